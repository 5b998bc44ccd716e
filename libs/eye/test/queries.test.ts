import { randomUUID } from 'node:crypto';
import type { TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, KEYS, pageview, post, sessionId, startEye, waitForItems } from './helpers';

describe('queries: sessions, filters, time ranges, stats', () => {
  let app: TestApp;
  const session = sessionId('q');
  const other = sessionId('q-other');
  beforeAll(async () => {
    app = await startEye();
    const events = [
      pageview(session, { event_id: 'q1', timestamp: '2022-03-01 10:00:00.000001' }),
      pageview(session, { event_id: 'q2', timestamp: '2022-03-01 10:00:00.000002', name: 'cta click', data: { host: 'h', path: '/', element: 'e' } }),
      pageview(session, { event_id: 'q3', timestamp: '2022-03-01 10:00:00.000003' }),
      pageview(session, { event_id: 'q4', timestamp: '2022-03-02 10:00:00' }),
      pageview(session, { event_id: 'q5', timestamp: '2022-03-03 10:00:00' }),
    ];
    expect((await post(app, '/eye/events/batch', { events })).body.accepted).toBe(5);
    expect((await post(app, '/eye/events', pageview(other, { event_id: 'm1', timestamp: '2022-03-01 10:00:00.000002' }), KEYS.mobile)).status).toBe(202);
    await waitForItems(app, `/eye/sessions/${session}/events`, 5);
    await waitForItems(app, `/eye/sessions/${other}/events`, 1, KEYS.mobile);
  });
  afterAll(() => app.close());

  it('pages a session by keyset cursor in timestamp order', async () => {
    const first = await get(app, `/eye/sessions/${session}/events?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((item: any) => item.event_id)).toEqual(['q1', 'q2']);
    const second = await get(app, `/eye/sessions/${session}/events?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.items.map((item: any) => item.event_id)).toEqual(['q3', 'q4']);
    const third = await get(app, `/eye/sessions/${session}/events?limit=2&cursor=${second.body.next_cursor}`);
    expect(third.body).toEqual({ items: [expect.objectContaining({ event_id: 'q5' })], next_cursor: null });
    expect((await get(app, '/eye/sessions/nobody/events')).body).toEqual({ items: [], next_cursor: null });
  });

  it('filters by category, name and [from, to) at microsecond precision', async () => {
    const range = await get(app, `/eye/events?session_id=${session}&from=2022-03-01T10:00:00.000002Z&to=2022-03-02%2010:00:00`);
    expect(range.body.items.map((item: any) => item.event_id)).toEqual(['q2', 'q3']);
    const zoned = await get(app, `/eye/events?session_id=${session}&from=2022-03-01T11:00:00.000003%2B01:00`);
    expect(zoned.body.items.map((item: any) => item.event_id)).toEqual(['q3', 'q4', 'q5']);
    const byName = await get(app, `/eye/events?session_id=${session}&category=page%20interaction&name=cta%20click`);
    expect(byName.body.items.map((item: any) => item.event_id)).toEqual(['q2']);
  });

  it('keeps each application to its own events', async () => {
    expect((await get(app, `/eye/events?session_id=${other}`)).body.items).toEqual([]);
    expect((await get(app, `/eye/events?session_id=${other}`, KEYS.mobile)).body.items).toHaveLength(1);
    const forbidden = await get(app, '/eye/events?application=mobile');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('forbidden');
    expect((await get(app, '/eye/events?application=web&limit=1')).status).toBe(200);
  });

  it('answers 404 for an error id that does not percent-decode', async () => {
    for (const malformed of ['%C0%AF', '%ZZ', '%']) {
      const answer = await get(app, `/eye/errors/${malformed}`, KEYS.web);
      expect([answer.status, answer.body.error.code], malformed).toEqual([404, 'not_found']);
    }
  });

  it('answers 422 for a bad limit, time, range or a cursor issued for other filters', async () => {
    const first = await get(app, `/eye/events?session_id=${session}&limit=1`);
    const bad = [
      '/eye/events?limit=0',
      '/eye/events?limit=501',
      '/eye/events?from=yesterday',
      '/eye/events?from=2022-03-02T00:00:00Z&to=2022-03-01T00:00:00Z',
      `/eye/events?session_id=${other}&limit=1&cursor=${first.body.next_cursor}`,
      `/eye/sessions/${session}/events?limit=1&cursor=${first.body.next_cursor}`,
      '/eye/events?cursor=garbage',
      '/eye/events?unknown=1',
    ];
    for (const path of bad) {
      const answer = await get(app, path);
      expect(answer.status, path).toBe(422);
      expect(answer.body.error.code).toBe('validation_failed');
    }
  });

  it('counts stored events per type with echoed bounds', async () => {
    const stats = await get(app, '/eye/stats?from=2022-03-01%2010:00:00&to=2022-03-02T10:00:00Z');
    expect(stats.status).toBe(200);
    expect(stats.body).toEqual({
      from: '2022-03-01T10:00:00.000000Z',
      to: '2022-03-02T10:00:00.000000Z',
      total: 3,
      items: [
        { category: 'page interaction', name: 'cta click', count: 1 },
        { category: 'page interaction', name: 'pageview', count: 2 },
      ],
    });
    const open = await get(app, '/eye/stats');
    expect(open.body.from).toBeNull();
    expect(open.body.total).toBeGreaterThanOrEqual(5);
    expect((await get(app, '/eye/stats?application=mobile')).status).toBe(403);
    expect((await get(app, '/eye/stats?from=2022-03-02T00:00:00Z&to=2022-03-01T00:00:00Z')).status).toBe(422);
  });

  it('answers 401 on every read and admin endpoint without a valid key, before reading any body', async () => {
    const id = randomUUID();
    const json = { 'content-type': 'application/json' };
    const requests: [string, RequestInit][] = [
      ['/eye/stats', {}],
      ['/eye/events', {}],
      ['/eye/sessions/x/events', {}],
      ['/eye/errors', {}],
      [`/eye/errors/${id}`, {}],
      [`/eye/errors/${id}/replay`, { method: 'POST' }],
      ['/eye/event-types', {}],
      ['/eye/event-types/page%20interaction/pageview', {}],
      ['/eye/event-types/a/b', { method: 'PUT', headers: json, body: '{"schema": {"type": "object"}}' }],
      ['/eye/event-types/a/b', { method: 'PUT', headers: json, body: '{"schema": ' }],
      ['/eye/event-types/a/b', { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'x' }],
      ['/eye/event-types/a/b', { method: 'PUT', headers: json, body: `{"schema": "${'x'.repeat(1024 * 1024)}"}` }],
    ];
    for (const authorization of [undefined, 'Bearer nope', 'Token x']) {
      for (const [path, init] of requests) {
        const headers = { ...(init.headers as Record<string, string>), ...(authorization ? { authorization } : {}) };
        const response = await app.request(path, { ...init, headers });
        const what = `${init.method ?? 'GET'} ${path} ${String(init.body).slice(0, 20)} (${authorization})`;
        expect(response.status, what).toBe(401);
        expect((await response.json()).error.code, what).toBe('unauthenticated');
      }
    }
  });
});

describe('dev mode (EYE_WRITE_KEYS unset) with EYE_ACCEPT_UNKNOWN=true', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startEye({ EYE_WRITE_KEYS: '', EYE_ACCEPT_UNKNOWN: 'true' });
  });
  afterAll(() => app.close());

  it('needs no key, stores under application "default" and reads everything', async () => {
    const session = sessionId('dev');
    const response = await app.request('/eye/events', { method: 'POST', json: pageview(session) });
    expect(response.status).toBe(202);
    const items = await waitForItems(app, `/eye/events?session_id=${session}`, 1, '');
    expect(items[0].application).toBe('default');
  });

  it('accepts an event of no known type with type_version null, still checking its envelope', async () => {
    const session = sessionId('unknown');
    const response = await app.request('/eye/events', { method: 'POST', json: { ...pageview(session), category: 'video', name: 'play', data: { at: 3 } } });
    expect(response.status).toBe(202);
    const items = await waitForItems(app, `/eye/events?session_id=${session}`, 1, '');
    expect(items[0]).toMatchObject({ category: 'video', name: 'play', type_version: null });
    const invalid = await app.request('/eye/events', { method: 'POST', json: { ...pageview(session), name: 'cta click' } });
    expect(invalid.status).toBe(422);
  });
});
