import { randomUUID } from 'node:crypto';
import type { TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, get, useDefaultKey, pageview, post, sessionId, startEye, waitForItems, waitForRecord } from './helpers';

// Its own applications: types registered here must not change what other test files' applications accept.
const KEYS = { web: 'registry-web-key', mobile: 'registry-mobile-key' };

useDefaultKey(KEYS.web);

const scrollSchema = {
  type: 'object',
  required: ['depth'],
  properties: { depth: { type: 'integer', minimum: 0, maximum: 100 }, at: { type: 'string', format: 'date-time' } },
};

async function put(app: TestApp, path: string, body: unknown, key: string = KEYS.web) {
  const response = await app.request(path, { method: 'PUT', headers: auth(key), json: body });
  return { status: response.status, body: (await response.json()) as any };
}

describe('event-type registry, error store and replay', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startEye({ EYE_WRITE_KEYS: `regweb:${KEYS.web},regmobile:${KEYS.mobile}` });
  });
  afterAll(() => app.close());

  it('lists the built-ins (Segment as segment/*) ordered by category, then name', async () => {
    const { status, body } = await get(app, '/eye/event-types', KEYS.mobile);
    expect(status).toBe(200);
    expect(body.items.map((type: any) => `${type.category}/${type.name}`)).toEqual([
      'form interaction/submit',
      'page interaction/cta click',
      'page interaction/pageview',
      'segment/*',
    ]);
    expect(body.items[2]).toMatchObject({ version: 1, source: 'builtin', created_at: null, description: null, schema: { type: 'object', required: ['host', 'path'] } });
    const paged = await get(app, '/eye/event-types?limit=3', KEYS.mobile);
    expect(paged.body.items).toHaveLength(3);
    const rest = await get(app, `/eye/event-types?limit=3&cursor=${paged.body.next_cursor}`, KEYS.mobile);
    expect(rest.body).toEqual({ items: [expect.objectContaining({ category: 'segment', name: '*' })], next_cursor: null });
    expect((await get(app, '/eye/event-types/page%20interaction/pageview', KEYS.mobile)).body.versions).toEqual([{ version: 1, created_at: null }]);
    expect((await get(app, '/eye/event-types/page%20interaction/scroll', KEYS.mobile)).status).toBe(404);
  });

  it('records an unknown type, registers it (201, then 200 when unchanged) and replays the record', async () => {
    const session = sessionId('reg');
    const event = { session_id: session, category: 'page interaction', name: 'scroll', data: { depth: 40 }, timestamp: '2021-01-01 09:15:27.243860' };
    const rejected = await post(app, '/eye/events', event);
    expect(rejected.status).toBe(422);
    expect(rejected.body.error.code).toBe('unknown_event_type');
    const errorId = rejected.body.error.error_id;

    // Not yet registered: the replay fails with the current code and leaves the record open.
    await waitForRecord(app, errorId);
    const early = await post(app, `/eye/errors/${errorId}/replay`, undefined);
    expect(early.status).toBe(422);
    expect(early.body.error.code).toBe('unknown_event_type');

    const created = await put(app, '/eye/event-types/page%20interaction/scroll', { schema: scrollSchema, description: 'How far down' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ category: 'page interaction', name: 'scroll', version: 1, source: 'registered', schema: scrollSchema, description: 'How far down' });
    expect(created.body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    const same = await put(app, '/eye/event-types/page%20interaction/scroll', { schema: { properties: scrollSchema.properties, required: ['depth'], type: 'object' } });
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(1);

    const replayed = await post(app, `/eye/errors/${errorId}/replay`, undefined);
    expect(replayed.status).toBe(200);
    expect(replayed.body).toMatchObject({ status: 'replayed', event: { session_id: session, name: 'scroll', timestamp: '2021-01-01T09:15:27.243860Z', type_version: 1 } });
    const record = (await get(app, `/eye/errors/${errorId}`)).body;
    expect(record).toMatchObject({ status: 'replayed', replayed_event_id: replayed.body.event.id });
    // The event keeps the record's receive time and is queryable at once.
    expect(replayed.body.event.received_at).toBe(record.received_at);
    expect((await get(app, `/eye/sessions/${session}/events`)).body.items).toEqual([replayed.body.event]);

    // Concurrent replays of a replayed record answer the same event and store nothing.
    const again = await Promise.all(Array.from({ length: 5 }, () => post(app, `/eye/errors/${errorId}/replay`, undefined)));
    for (const answer of again) expect(answer.body).toEqual(replayed.body);
    expect((await get(app, `/eye/sessions/${session}/events`)).body.items).toHaveLength(1);

    // Registration is per application.
    expect((await post(app, '/eye/events', event, KEYS.mobile)).body.error.code).toBe('unknown_event_type');
  });

  it('versions a type: new events validate against the latest version, a built-in pair starts at 2', async () => {
    const session = sessionId('ver');
    const v2 = await put(app, '/eye/event-types/page%20interaction/scroll', { schema: { ...scrollSchema, required: ['depth', 'at'] } });
    expect(v2.status).toBe(201);
    expect(v2.body.version).toBe(2);
    const invalid = await post(app, '/eye/events', { session_id: session, category: 'page interaction', name: 'scroll', data: { depth: 101, at: 'nope' }, timestamp: '2021-01-01 09:00:00' });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.code).toBe('validation_failed');
    expect(invalid.body.error.details.map((detail: any) => detail.path).sort()).toEqual(['data.at', 'data.depth']);
    const ok = await post(app, '/eye/events', { session_id: session, category: 'page interaction', name: 'scroll', data: { depth: 5, at: '2021-01-01T09:00:00Z' }, timestamp: '2021-01-01 09:00:00' });
    expect(ok.status).toBe(202);
    expect((await waitForItems(app, `/eye/sessions/${session}/events`, 1))[0].type_version).toBe(2);
    const detail = await get(app, '/eye/event-types/page%20interaction/scroll');
    expect(detail.body.versions.map((version: any) => version.version)).toEqual([1, 2]);

    const builtin = await put(app, '/eye/event-types/page%20interaction/pageview', { schema: { type: 'object', required: ['host'] } });
    expect(builtin.status).toBe(201);
    expect(builtin.body.version).toBe(2);
    expect((await post(app, '/eye/events', pageview(session, { data: { host: 'h' } }))).status).toBe(202);
    expect((await post(app, '/eye/events', pageview(session, { data: { host: 'h' } }), KEYS.mobile)).status).toBe(422);
  });

  it('answers 422 for a schema that does not compile, a remote $ref or an unknown draft', async () => {
    const bad = [
      { schema: { type: 'nonsense' } },
      { schema: { $ref: 'https://example.com/schema.json' } },
      { schema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' } },
      { schema: { type: 'object' }, extra: 1 },
      { schema: [] },
      { schema: { type: 'object', description: 'x'.repeat(70 * 1024) } },
    ];
    for (const body of bad) {
      const answer = await put(app, '/eye/event-types/c/n', body);
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(answer.body.error.code).toBe('validation_failed');
    }
    const draft2020 = await put(app, '/eye/event-types/c/n2020', { schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', prefixItems: [{ type: 'string' }] } });
    expect(draft2020.status).toBe(201);
    expect((await put(app, '/eye/event-types/c/n', { schema: { type: 'object' } })).status).toBe(201);
  });

  it('lists errors newest first with filters and cursor; another application cannot see them', async () => {
    const session = sessionId('errs');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await post(app, '/eye/events', { ...pageview(session), name: `unknown-${i}` })).body.error.error_id);
    for (const id of ids) await waitForRecord(app, id);
    const first = await get(app, '/eye/errors?code=unknown_event_type&status=open&limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items.map((item: any) => item.id)).toEqual([ids[2], ids[1]]);
    const second = await get(app, `/eye/errors?code=unknown_event_type&status=open&limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.items[0].id).toBe(ids[0]);
    const from = first.body.items[1].received_at;
    const ranged = await get(app, `/eye/errors?code=unknown_event_type&from=${from}&to=${first.body.items[0].received_at}`);
    expect(ranged.body.items.map((item: any) => item.id)).toEqual([ids[1]]);
    expect((await get(app, `/eye/errors/${ids[0]}`, KEYS.mobile)).status).toBe(404);
    expect((await get(app, '/eye/errors/not-a-uuid')).status).toBe(404);
    expect((await post(app, `/eye/errors/${ids[0]}/replay`, undefined, KEYS.mobile)).status).toBe(404);
    expect((await get(app, '/eye/errors?status=closed')).status).toBe(422);
    expect((await get(app, '/eye/errors', KEYS.mobile)).body.items.every((item: any) => item.application === 'regmobile')).toBe(true);
  });

  it('applies a new type on another replica within 1 s', async () => {
    const replica = await startEye({ EYE_WRITE_KEYS: `regweb:${KEYS.web},regmobile:${KEYS.mobile}` }, { redisPrefix: app.redisPrefix });
    try {
      const event = { session_id: sessionId('replica'), category: 'replica', name: 'seen', data: {}, timestamp: '2021-01-01 00:00:00' };
      expect((await post(replica, '/eye/events', event)).status).toBe(422);
      expect((await put(app, '/eye/event-types/replica/seen', { schema: { type: 'object' } })).status).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await post(replica, '/eye/events', event)).status).toBe(202);
    } finally {
      await replica.close();
    }
  });

  it('links the stored copy when a replayed event is a duplicate', async () => {
    const session = sessionId('link');
    const stored = await post(app, '/eye/events', pageview(session, { event_id: 'link-1' }));
    expect(stored.status).toBe(202);
    const rejected = await post(app, '/eye/events', { ...pageview(session, { event_id: 'link-1' }), name: 'linked' });
    expect(rejected.body.error.code).toBe('unknown_event_type');
    await waitForItems(app, `/eye/sessions/${session}/events`, 1);
    await waitForRecord(app, rejected.body.error.error_id);
    expect((await put(app, '/eye/event-types/page%20interaction/linked', { schema: { type: 'object' } })).status).toBe(201);
    const replayed = await post(app, `/eye/errors/${rejected.body.error.error_id}/replay`, undefined);
    expect(replayed.status).toBe(200);
    expect(replayed.body.event.id).toBe(stored.body.id);
    expect(replayed.body.event.name).toBe('pageview');
    expect((await get(app, `/eye/errors/${rejected.body.error.error_id}`)).body.replayed_event_id).toBe(stored.body.id);
    expect((await get(app, `/eye/sessions/${session}/events`)).body.items).toHaveLength(1);
  });

  it('answers 404 not_found for an unknown error id, its replay and an unknown event type', async () => {
    const unknown = randomUUID();
    for (const answer of [
      await get(app, `/eye/errors/${unknown}`),
      await post(app, `/eye/errors/${unknown}/replay`, undefined),
      await get(app, '/eye/event-types/page%20interaction/never%20registered'),
    ]) {
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('not_found');
    }
  });

  it('keeps the original code when replaying a whole-request rejection', async () => {
    const response = await app.request('/eye/events', { method: 'POST', headers: { ...auth(KEYS.web), 'content-type': 'application/json' }, body: '{"a":1,}' });
    const errorId = (await response.json()).error.error_id;
    await waitForRecord(app, errorId);
    const replay = await post(app, `/eye/errors/${errorId}/replay`, undefined);
    expect(replay.status).toBe(422);
    expect(replay.body.error.code).toBe('malformed_json');
    expect((await get(app, `/eye/errors/${errorId}`)).body.status).toBe('open');
  });
});

describe('replay while a copy with the same event_id is still queued', () => {
  const env = { EYE_WRITE_KEYS: `regweb:${KEYS.web},regmobile:${KEYS.mobile}` };
  let api: TestApp;
  let recorder: TestApp;
  beforeAll(async () => {
    // No workers: an accepted event stays queued until the test starts them.
    api = await startEye(env, { workers: false });
    // Its own Redis prefix and workers: it stores the rejected copy's record without draining the api's queue.
    recorder = await startEye(env);
  });
  afterAll(async () => {
    await recorder.close();
    await api.close();
  });

  it('answers 503 until the queued copy is stored, then links it', async () => {
    const session = sessionId('inflight');
    const eventId = `inflight-${session}`;
    const rejected = await post(recorder, '/eye/events', { ...pageview(session, { event_id: eventId }), name: 'inflight hover' });
    expect(rejected.body.error.code).toBe('unknown_event_type');
    const errorId = rejected.body.error.error_id;
    await waitForRecord(api, errorId);

    const queued = await post(api, '/eye/events', pageview(session, { event_id: eventId }));
    expect(queued.status).toBe(202);
    expect((await put(api, '/eye/event-types/page%20interaction/inflight%20hover', { schema: { type: 'object' } })).status).toBe(201);
    const early = await post(api, `/eye/errors/${errorId}/replay`, undefined);
    expect(early.status).toBe(503);
    expect(early.body.error.code).toBe('unavailable');
    expect(Number(early.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await get(api, `/eye/errors/${errorId}`)).body).toMatchObject({ status: 'open', replayed_event_id: null });

    await api.platform.startWorkers(api.modules);
    await waitForItems(api, `/eye/sessions/${session}/events`, 1);
    const replayed = await post(api, `/eye/errors/${errorId}/replay`, undefined);
    expect(replayed.status).toBe(200);
    expect(replayed.body.event).toMatchObject({ id: queued.body.id, name: 'pageview' });
    const items = (await get(api, `/eye/sessions/${session}/events`)).body.items;
    expect(items.map((item: any) => item.id)).toEqual([queued.body.id]);
  });
});
