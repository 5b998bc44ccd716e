import { sql } from 'kysely';
import { waitFor, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, postMessage, startMessy, waitPersisted } from './helpers';

async function rowCount(app: TestApp): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM messy.messages`.execute(app.platform.deps.db);
  return rows[0]!.n;
}

describe('Idempotency-Key', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startMessy();
  });
  afterAll(() => app.close());

  it('replays the first 202 for a request with the same normalised fields, storing one message', async () => {
    const first = await postMessage(app, message({ state: 'NY' }), { 'Idempotency-Key': 'k-replay' });
    expect(first.status).toBe(202);
    const { id } = (await first.json()) as { id: string };
    const again = await postMessage(app, message({ state: 'ny', username: ' fred' }), { 'Idempotency-Key': 'k-replay' });
    expect(again.status).toBe(202);
    expect(((await again.json()) as { id: string }).id).toBe(id);
    expect(again.headers.get('location')).toBe(`/messy/messages/${id}`);
    await waitPersisted(app, id);
    expect(await rowCount(app)).toBe(1);
  });

  it('answers 422 idempotency_key_reused for other fields or another kind of endpoint', async () => {
    await postMessage(app, message(), { 'Idempotency-Key': 'k-reuse' });
    const other = await postMessage(app, message({ message: 'different' }), { 'Idempotency-Key': 'k-reuse' });
    expect(other.status).toBe(422);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('idempotency_key_reused');
    const batch = await app.request('/messy/messages/batch', { method: 'POST', json: { messages: [message()] }, headers: { 'Idempotency-Key': 'k-reuse' } });
    expect(batch.status).toBe(422);
  });

  it('replays a batch with its ids in input order', async () => {
    const json = { messages: [message({ username: 'a' }), message({ username: 'b' })] };
    const first = (await (await app.request('/messy/messages/batch', { method: 'POST', json, headers: { 'Idempotency-Key': 'k-batch' } })).json()) as { ids: string[] };
    const again = await app.request('/messy/messages/batch', { method: 'POST', json, headers: { 'Idempotency-Key': 'k-batch' } });
    expect(again.status).toBe(202);
    expect(((await again.json()) as { ids: string[] }).ids).toEqual(first.ids);
  });
});

describe('Idempotency-Key while the first request is in flight', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startMessy({ MESSY_COALESCE_MS: '800' }, { workers: false });
  });
  afterAll(() => app.close());

  it('answers 409 conflict with Retry-After: 1', async () => {
    const first = postMessage(app, message(), { 'Idempotency-Key': 'k-flight' });
    // Once the first request has claimed the key it stays in flight for its 800 ms commit window.
    await waitFor(async () => (await app.platform.deps.redis.keys(`${app.redisPrefix}:messy:idem:*`)).length > 0, { intervalMs: 5, what: 'the first request to claim its key' });
    const second = await postMessage(app, message(), { 'Idempotency-Key': 'k-flight' });
    expect(second.status).toBe(409);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('conflict');
    expect((await first).status).toBe(202);
  });
});

describe('backpressure', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startMessy({ MESSY_MAX_BACKLOG: '3' }, { workers: false });
  });
  afterAll(() => app.close());

  it('answers 503 unavailable with Retry-After once a request would take the backlog over the bound', async () => {
    const batch = await app.request('/messy/messages/batch', { method: 'POST', json: { messages: [message(), message(), message()] } });
    expect(batch.status).toBe(202);
    const over = await postMessage(app, message(), { 'Idempotency-Key': 'k-over' });
    expect(over.status).toBe(503);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await over.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toMatch(/^messy_backlog 3$/m);
  });
});

describe('Redis unreachable', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startMessy({ REDIS_URL: 'redis://127.0.0.1:9' }, { workers: false });
  });
  afterAll(() => app.close());

  it('answers 503 with Retry-After, never 2xx', async () => {
    for (const headers of [{}, { 'Idempotency-Key': 'k-down' }] as Record<string, string>[]) {
      const response = await postMessage(app, message(), headers);
      expect(response.status).toBe(503);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('MESSY_GET_WRITES=false', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startMessy({ MESSY_GET_WRITES: 'false' }, { workers: false });
  });
  afterAll(() => app.close());

  it('makes GET on the seed write URL 405 with Allow: POST', async () => {
    const response = await app.request('/messy/message/write/?username=a&city=b&state=NY&message=m');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect((await app.request('/messy/message/write/', { method: 'POST', json: message() })).status).toBe(202);
  });
});
