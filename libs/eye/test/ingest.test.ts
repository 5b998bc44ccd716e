import type { TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, KEYS, pageview, post, postRaw, sessionId, startEye, waitForItems, waitForRecord, WRITE_KEYS } from './helpers';

/** An application of its own, so that counting its error records sees no other test's. */
const UNRECORDED_KEY = 'ingest-unrecorded-key';

describe('POST /eye/events and /eye/events/batch', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startEye({ EYE_WRITE_KEYS: `${WRITE_KEYS},unrecorded:${UNRECORDED_KEY}` });
  });
  afterAll(() => app.close());

  it('accepts the challenge examples and keeps the zone-less microsecond timestamp exactly', async () => {
    const session = sessionId('challenge');
    const cta = { ...pageview(session), name: 'cta click', data: { host: 'www.ca.com', path: '/', element: 'chat bubble' } };
    const submit = {
      ...pageview(session),
      category: 'form interaction',
      name: 'submit',
      data: { host: 'www.ca.com', path: '/', form: { first_name: 'John', last_name: 'Doe' } },
    };
    const answers = [await post(app, '/eye/events', pageview(session)), await post(app, '/eye/events', cta), await post(app, '/eye/events', submit)];
    for (const answer of answers) {
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({ status: 'accepted', id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    }
    const items = await waitForItems(app, `/eye/sessions/${session}/events`, 3);
    // Equal timestamps: arrival order breaks the tie.
    expect(items.map((item) => item.name)).toEqual(['pageview', 'cta click', 'submit']);
    expect(items.map((item) => item.id)).toEqual(answers.map((answer) => answer.body.id));
    expect(items[0]).toEqual({
      id: answers[0]!.body.id,
      event_id: null,
      application: 'web',
      session_id: session,
      category: 'page interaction',
      name: 'pageview',
      data: { host: 'www.ca.com', path: '/' },
      timestamp: '2021-01-01T09:15:27.243860Z',
      received_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
      type_version: 1,
    });
  });

  it('rejects the trailing-comma example as malformed_json and records its raw text', async () => {
    const text = `{"session_id": "${sessionId()}", "category": "page interaction", "name": "pageview", "data": {"host": "www.ca.com", "path": "/",}, "timestamp": "2021-01-01 09:15:27.243860"}`;
    const answer = await postRaw(app, '/eye/events', text);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'malformed_json', error_id: expect.any(String) });
    const record = await waitForRecord(app, answer.body.error.error_id);
    expect(record).toMatchObject({ code: 'malformed_json', endpoint: '/eye/events', payload: null, raw_text: text, index: null, status: 'open', application: 'web' });
  });

  it('normalises zones and fractions to UTC with six digits', async () => {
    const session = sessionId('zones');
    await post(app, '/eye/events', pageview(session, { timestamp: '2021-01-01T10:15:27.2438609+01:00', event_id: 'z1' }));
    await post(app, '/eye/events', pageview(session, { timestamp: '2021-01-01t09:15:28-0000', event_id: 'z2' }));
    await post(app, '/eye/events', pageview(session, { timestamp: '2021-01-01 09:15:26.5z', event_id: 'z3' }));
    const items = await waitForItems(app, `/eye/sessions/${session}/events`, 3);
    expect(items.map((item) => [item.event_id, item.timestamp])).toEqual([
      ['z3', '2021-01-01T09:15:26.500000Z'],
      ['z1', '2021-01-01T09:15:27.243860Z'],
      ['z2', '2021-01-01T09:15:28.000000Z'],
    ]);
  });

  it('answers 422 with the rejection code, the details and a recorded error id', async () => {
    const session = sessionId();
    const cases: [unknown, string, string][] = [
      [{ ...pageview(session), name: 'cta click' }, 'validation_failed', 'data.element'],
      [{ ...pageview(session), extra: 1 }, 'validation_failed', 'extra'],
      [{ ...pageview(session), timestamp: '2021-02-30 10:00:00' }, 'validation_failed', 'timestamp'],
      [{ ...pageview(session), timestamp: '2999-01-01 00:00:00' }, 'timestamp_in_future', 'timestamp'],
      [{ ...pageview(session), name: 'scroll' }, 'unknown_event_type', 'name'],
      [[], 'validation_failed', ''],
      [{ ...pageview(session), session_id: 'a\u0000b' }, 'validation_failed', 'session_id'],
      [{ ...pageview(session), data: { host: 'h', path: 'no-slash' } }, 'validation_failed', 'data.path'],
    ];
    for (const [event, code, path] of cases) {
      const answer = await post(app, '/eye/events', event);
      expect(answer.status, JSON.stringify(event)).toBe(422);
      expect(answer.body.error.code).toBe(code);
      expect(answer.body.error.details.map((detail: { path: string }) => detail.path)).toContain(path);
      const record = await waitForRecord(app, answer.body.error.error_id);
      expect(record).toMatchObject({ code, endpoint: '/eye/events', index: null, raw_text: null, status: 'open' });
      expect(record.payload).toEqual(event);
    }
  });

  it('answers 413 over 32 KiB (recorded), 415 for another type, 405 for another method, 204 to a preflight', async () => {
    const big = await postRaw(app, '/eye/events', JSON.stringify(pageview(sessionId(), { data: { host: 'h', path: '/', pad: 'x'.repeat(33 * 1024) } })));
    expect(big.status).toBe(413);
    expect(big.body.error).toMatchObject({ code: 'payload_too_large', error_id: expect.any(String) });
    expect((await waitForRecord(app, big.body.error.error_id)).raw_text.length).toBeGreaterThan(32 * 1024);
    expect((await postRaw(app, '/eye/events', 'x', KEYS.web, 'text/plain')).status).toBe(415);
    const put = await app.request('/eye/events/batch', { method: 'PUT', headers: { authorization: `Bearer ${KEYS.web}` } });
    expect(put.status).toBe(405);
    expect((await put.json()).error.code).toBe('method_not_allowed');
    const preflight = await app.request('/eye/events', { method: 'OPTIONS', headers: { origin: 'https://example.com', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers 401 without, with a malformed or with an unknown key', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: 'Token x' }] as Record<string, string>[]) {
      const response = await app.request('/eye/events', { method: 'POST', headers, json: pageview(sessionId()) });
      expect(response.status).toBe(401);
      expect((await response.json()).error.code).toBe('unauthenticated');
      expect((await app.request('/eye/events', { headers })).status).toBe(401);
    }
    const basic = `Basic ${Buffer.from(`${KEYS.mobile}:ignored`).toString('base64')}`;
    const response = await app.request('/eye/events', { method: 'POST', headers: { authorization: basic }, json: pageview(sessionId()) });
    expect(response.status).toBe(202);
  });

  it('classifies batch items independently and records each rejection once', async () => {
    const session = sessionId('batch');
    const events = [
      pageview(session, { event_id: 'ib1' }),
      { ...pageview(session), name: 'nope' },
      pageview(session, { event_id: 'ib1' }),
      pageview(session, { event_id: 'ib2', data: { host: 'h', path: '/', pad: 'x'.repeat(33 * 1024) } }),
      pageview(session, { event_id: 'ib3', timestamp: '2021-01-01 09:15:27.243861' }),
    ];
    const answer = await post(app, '/eye/events/batch', { events });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({
      accepted: 2,
      duplicates: 1,
      rejected: [
        { index: 1, code: 'unknown_event_type', message: expect.any(String), details: expect.any(Array), error_id: expect.any(String) },
        { index: 3, code: 'event_too_large', message: expect.any(String), details: null, error_id: expect.any(String) },
      ],
    });
    const record = await waitForRecord(app, answer.body.rejected[0].error_id);
    expect(record).toMatchObject({ endpoint: '/eye/events/batch', index: 1, payload: events[1] });
    const items = await waitForItems(app, `/eye/sessions/${session}/events`, 2);
    expect(items.map((item) => item.event_id)).toEqual(['ib1', 'ib3']);
  });

  it('rejects a batch of the wrong shape as a whole (422, recorded once)', async () => {
    for (const body of [{ events: [] }, { events: 'x' }, { events: [pageview('x')], more: 1 }, []]) {
      const answer = await post(app, '/eye/events/batch', body);
      expect(answer.status).toBe(422);
      expect(answer.body.error).toMatchObject({ code: 'validation_failed', error_id: expect.any(String) });
      expect(answer.body.error.details.map((detail: { path: string }) => detail.path)).toContain(Array.isArray(body) || !('more' in body) ? 'events' : 'more');
      const record = await waitForRecord(app, answer.body.error.error_id);
      expect(record).toMatchObject({ payload: null, raw_text: JSON.stringify(body) });
    }
    const tooMany = await post(app, '/eye/events/batch', { events: Array.from({ length: 1001 }, () => pageview('x')) });
    expect(tooMany.status).toBe(422);
  });

  it('answers 415 unsupported_media_type on both endpoints', async () => {
    for (const path of ['/eye/events', '/eye/events/batch']) {
      const answer = await postRaw(app, path, '{}', KEYS.web, 'text/plain');
      expect(answer.status, path).toBe(415);
      expect(answer.body.error.code).toBe('unsupported_media_type');
    }
  });

  it('answers 415 unsupported_media_type for a Content-Encoding it does not read', async () => {
    for (const path of ['/eye/events', '/eye/events/batch', '/eye/segment/v1/batch']) {
      const response = await app.request(path, { method: 'POST', headers: { authorization: `Bearer ${KEYS.web}`, 'content-type': 'application/json', 'content-encoding': 'x-unknown' }, body: '{}' });
      expect(response.status, path).toBe(415);
      expect(((await response.json()) as { error: { code: string } }).error.code, path).toBe('unsupported_media_type');
    }
  });

  it('answers a batch over 1 MiB with 413 and an unparseable one with 400, each recorded', async () => {
    const big = JSON.stringify({ events: [pageview(sessionId(), { data: { host: 'h', path: '/', pad: 'x'.repeat(1024 * 1024) } })] });
    const malformed = '{"events": [{"a": 1,}]}';
    for (const [text, status, code] of [[big, 413, 'payload_too_large'], [malformed, 400, 'malformed_json']] as const) {
      const answer = await postRaw(app, '/eye/events/batch', text);
      expect(answer.status).toBe(status);
      expect(answer.body.error).toMatchObject({ code, error_id: expect.any(String) });
      const record = await waitForRecord(app, answer.body.error.error_id);
      expect(record).toMatchObject({ code, endpoint: '/eye/events/batch', payload: null, index: null, raw_text: text.slice(0, 64 * 1024) });
    }
  });

  it('keeps the first 64 KiB of a multibyte body as raw_text, counted in UTF-8 bytes, without splitting a character', async () => {
    // 3 bytes per character: 64 KiB falls inside one.
    const text = `{"events": ["${'€'.repeat(100_000)}",]}`;
    const malformed = await postRaw(app, '/eye/events/batch', text);
    expect(malformed.status).toBe(400);
    const oversized = await postRaw(app, '/eye/events', `{"pad": "${'€'.repeat(30_000)}"}`);
    expect(oversized.status).toBe(413);
    for (const answer of [malformed, oversized]) {
      const { raw_text: rawText } = await waitForRecord(app, answer.body.error.error_id);
      expect(Buffer.byteLength(rawText)).toBeLessThanOrEqual(64 * 1024);
      expect(Buffer.byteLength(rawText)).toBeGreaterThan(64 * 1024 - 4);
      expect(rawText).not.toContain('\uFFFD');
    }
    expect(text.startsWith((await waitForRecord(app, malformed.body.error.error_id)).raw_text)).toBe(true);
  });

  it('applies the rejection codes in the spec order', async () => {
    const session = sessionId('order');
    const events = [
      { ...pageview(session, { data: { host: 'h', path: '/', pad: 'x'.repeat(33 * 1024) } }), extra: 1 },
      pageview(session, { name: 'never registered', timestamp: '2999-01-01 00:00:00' }),
      { ...pageview(session, { name: 'never registered' }), extra: 1 },
    ];
    const answer = await post(app, '/eye/events/batch', { events });
    expect(answer.status).toBe(202);
    expect(answer.body.rejected.map((item: any) => [item.index, item.code])).toEqual([
      [0, 'event_too_large'],
      [1, 'timestamp_in_future'],
      [2, 'validation_failed'],
    ]);
    expect(answer.body.rejected[2].details.map((detail: { path: string }) => detail.path)).toEqual(['extra']);
  });

  it('does not record 401, 405 and 415 answers', async () => {
    const count = async () => (await get(app, '/eye/errors?limit=500', UNRECORDED_KEY)).body.items.length as number;
    const before = await count();
    const headers = { authorization: `Bearer ${UNRECORDED_KEY}`, 'content-type': 'application/json' };
    const answers = [
      await app.request('/eye/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1,}' }),
      await app.request('/eye/events/batch', { method: 'POST', headers: { ...headers, authorization: 'Bearer nope' }, body: '{"a":1,}' }),
      await app.request('/eye/events', { method: 'PUT', headers, body: '{"a":1,}' }),
      await app.request('/eye/events/batch', { method: 'DELETE', headers }),
      await app.request('/eye/events', { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: '{"a":1,}' }),
      await app.request('/eye/events/batch', { method: 'POST', headers: { ...headers, 'content-type': 'application/xml' }, body: '<a/>' }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 405, 405, 415, 415]);
    // A recorded rejection sent afterwards: once it is visible, anything queued before it would be too.
    const marker = await postRaw(app, '/eye/events', '{"a":1,}', UNRECORDED_KEY);
    expect(marker.status).toBe(400);
    await waitForRecord(app, marker.body.error.error_id, UNRECORDED_KEY);
    expect(await count()).toBe(before + 1);
  });
});
