import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventpostModule } from '../src';
import { errorOf, eventBody, notificationBody } from './fixtures';

describe('Idempotency-Key on POST', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [createEventpostModule], workers: false });
  });
  afterAll(() => app.close());

  const key = () => `key-${randomBytes(6).toString('hex')}`;
  const post = (path: string, idempotencyKey: string, body: string) =>
    fetch(`${app.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey }, body });

  it.each([
    ['/eventpost/events', eventBody()],
    ['/eventpost/notifications', notificationBody()],
  ])('replays the first 201 of %s for the same JSON value, however it is spelled', async (path, body) => {
    const k = key();
    const first = await post(path, k, JSON.stringify(body));
    expect(first.status).toBe(201);
    const firstBody = await first.json();
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(body).reverse()), null, 2);
    const replay = await post(path, k, reordered);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotency-replayed')).toBe('true');
    expect(replay.headers.get('location')).toBe(first.headers.get('location'));
    expect(replay.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await replay.json()).toEqual(firstBody);
    const other = await post(path, k, JSON.stringify({ ...body, subject: 'A different subject', title: 'Different' }));
    expect(other.status).toBe(422);
    expect((await errorOf(other)).code).toBe('idempotency_key_reused');
  });

  it('creates one record for parallel requests with one key: the others replay or get 409', async () => {
    const k = key();
    const organizer = `idem-${randomBytes(4).toString('hex')}`;
    const responses = await Promise.all(Array.from({ length: 8 }, () => post('/eventpost/events', k, JSON.stringify(eventBody({ organizer })))));
    for (const response of responses) {
      expect([201, 409]).toContain(response.status);
      if (response.status === 409) expect(response.headers.get('retry-after')).toBe('1');
    }
    expect((await (await app.request(`/eventpost/events?organizer=${organizer}`)).json()).length).toBe(1);
  });

  it('scopes keys per collection and forgets non-201 outcomes', async () => {
    const k = key();
    expect((await post('/eventpost/events', k, JSON.stringify({ title: 'x' }))).status).toBe(422);
    expect((await post('/eventpost/events', k, JSON.stringify(eventBody()))).status).toBe(201);
    expect((await post('/eventpost/notifications', k, JSON.stringify(notificationBody()))).status).toBe(201);
  });

  it.each(['', 'x'.repeat(256), 'has space', 'naïve'])('rejects the key %j with 400', async (bad) => {
    const response = await fetch(`${app.baseUrl}/eventpost/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': encodeURI(bad) === bad ? bad : bad },
      body: JSON.stringify(eventBody()),
    }).catch(() => undefined);
    // fetch refuses non-Latin-1 header values; every value it does send must be a 400.
    if (response) expect(response.status).toBe(400);
  });
});
