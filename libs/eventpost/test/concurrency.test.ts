import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventpostModule } from '../src';
import { createEvent, createNotification, errorOf, eventBody, notificationBody } from './fixtures';

describe('preconditions and concurrent writers', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [createEventpostModule] });
  });
  afterAll(() => app.close());

  it('answers 304 to If-None-Match with the current ETag, its weak form or *', async () => {
    const created = await createEvent(app);
    const first = await app.request(`/eventpost/events/${created.id}`);
    const etag = first.headers.get('etag')!;
    for (const header of [etag, `W/${etag}`, '*', `"other", ${etag}`]) {
      const response = await app.request(`/eventpost/events/${created.id}`, { headers: { 'if-none-match': header } });
      expect(response.status, header).toBe(304);
      expect(response.headers.get('etag')).toBe(etag);
      expect(await response.text()).toBe('');
    }
    const stale = await app.request(`/eventpost/events/${created.id}`, { headers: { 'if-none-match': '"nope"' } });
    expect(stale.status).toBe(200);
  });

  it('checks If-Match on PUT, PATCH and DELETE; weak tags never match; unknown ids stay 404', async () => {
    const created = await createEvent(app);
    const path = `/eventpost/events/${created.id}`;
    const etag = (await app.request(path)).headers.get('etag')!;
    const weak = await app.request(path, { method: 'PUT', headers: { 'if-match': `W/${etag}` }, json: eventBody() });
    expect(weak.status).toBe(412);
    expect(weak.headers.get('etag')).toBe(etag);
    expect((await errorOf(weak)).code).toBe('precondition_failed');
    const wrong = await app.request(path, { method: 'PATCH', headers: { 'if-match': '"x", "y"' }, json: { title: 'No' } });
    expect(wrong.status).toBe(412);
    const right = await app.request(path, { method: 'PATCH', headers: { 'if-match': `"x", ${etag}` }, json: { title: 'Yes' } });
    expect(right.status).toBe(200);
    const newEtag = right.headers.get('etag')!;
    expect(newEtag).not.toBe(etag);
    expect((await app.request(path, { method: 'DELETE', headers: { 'if-match': etag } })).status).toBe(412);
    expect((await app.request(path, { method: 'PUT', headers: { 'if-match': '*' }, json: eventBody() })).status).toBe(200);
    const missing = `/eventpost/events/${randomBytes(12).toString('hex')}`;
    expect((await app.request(missing, { method: 'PUT', headers: { 'if-match': '*' }, json: eventBody() })).status).toBe(404);
    expect((await app.request(missing, { method: 'DELETE', headers: { 'if-match': etag } })).status).toBe(404);
  });

  it.each(['PUT', 'PATCH'])('lets exactly one of 20 parallel %s writers with the same If-Match win (events)', async (method) => {
    const created = await createEvent(app);
    const path = `/eventpost/events/${created.id}`;
    const etag = (await app.request(path)).headers.get('etag')!;
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        app.request(path, { method, headers: { 'if-match': etag }, json: method === 'PUT' ? eventBody({ title: `Writer ${i}` }) : { title: `Writer ${i}` } }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(19);
    const final = await (await app.request(path)).json();
    expect(final.version).toBe(2);
  });

  it('lets exactly one of 20 parallel If-Match writers win (notifications)', async () => {
    const created = await createNotification(app);
    const path = `/eventpost/notifications/${created.id}`;
    const etag = (await app.request(path)).headers.get('etag')!;
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        app.request(path, { method: 'PUT', headers: { 'if-match': etag }, json: notificationBody({ subject: `Writer number ${i}` }) }),
      ),
    );
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 412)).toHaveLength(19);
  });

  it('without If-Match every writer lands and the version counts them', async () => {
    const created = await createEvent(app);
    const path = `/eventpost/events/${created.id}`;
    const responses = await Promise.all(Array.from({ length: 10 }, () => app.request(path, { method: 'PATCH', json: { place: 'Somewhere' } })));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect((await (await app.request(path)).json()).version).toBe(11);
  });

  it('never resurrects a record when a PUT or PATCH races its DELETE', async () => {
    const organizer = `race-${randomBytes(4).toString('hex')}`;
    for (let round = 0; round < 15; round++) {
      const created = await createEvent(app, { organizer });
      const path = `/eventpost/events/${created.id}`;
      const [put, patch, del] = await Promise.all([
        app.request(path, { method: 'PUT', json: eventBody({ organizer }) }),
        app.request(path, { method: 'PATCH', json: { title: 'Patched' } }),
        app.request(path, { method: 'DELETE' }),
      ]);
      expect(del.status).toBe(200);
      expect([200, 404]).toContain(put.status);
      expect([200, 404]).toContain(patch.status);
      expect((await app.request(path)).status).toBe(404);
    }
    const remaining = await (await app.request(`/eventpost/events?organizer=${organizer}`)).json();
    expect(remaining).toEqual([]);
  });
});
