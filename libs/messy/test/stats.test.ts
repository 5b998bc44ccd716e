import { sql } from 'kysely';
import { waitFor, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatsBody as Stats } from '../src/stats-body';
import { message, startMessy, waitPersisted } from './helpers';

const TOKEN = 'secret-admin-token';
const auth = { Authorization: `Bearer ${TOKEN}` };

async function postAll(app: TestApp, messages: Record<string, unknown>[]): Promise<void> {
  const response = await app.request('/messy/messages/batch', { method: 'POST', json: { messages } });
  const { ids } = (await response.json()) as { ids: string[] };
  for (const id of ids) await waitPersisted(app, id);
}

describe('messy statistics', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startMessy({ MESSY_ADMIN_TOKEN: TOKEN, MESSY_STATS_INTERVAL_MS: '300' });
    await postAll(app, [
      message({ username: 'ann', city: 'Springfield', state: 'IL' }),
      message({ username: 'ann', city: ' springfield ', state: 'il' }),
      message({ username: 'bob', city: 'Springfield', state: 'MA' }),
      message({ username: 'bob', city: 'Boston', state: 'MA' }),
      message({ username: 'Ann', city: 'New York', state: 'NY' }),
      message({ username: 'zoë', city: 'New York', state: 'NY' }),
    ]);
  });
  afterAll(() => app.close());

  it('POST /messy/admin/stats/refresh returns exact figures with an ETag; cities are (state, city_key) pairs', async () => {
    const response = await app.request('/messy/admin/stats/refresh', { method: 'POST', headers: auth });
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toMatch(/^"[^"]+"$/);
    const stats = (await response.json()) as Stats;
    expect(stats).toMatchObject({ result: 'success', messages: 6, users: 4, cities: 4, stale: false, last_minute: 6, last_hour: 6 });
    expect(Object.keys(stats.per_state)).toHaveLength(51);
    expect(stats.per_state.IL).toEqual({ messages: 2, cities: 1 });
    expect(stats.per_state.MA).toEqual({ messages: 2, cities: 2 });
    expect(stats.per_state.WY).toEqual({ messages: 0, cities: 0 });
    expect(Object.values(stats.per_state).reduce((sum, s) => sum + s.messages, 0)).toBe(6);
    expect(stats.top_cities).toEqual([
      { state: 'IL', city: 'Springfield', messages: 2 },
      { state: 'NY', city: 'New York', messages: 2 },
      { state: 'MA', city: 'Boston', messages: 1 },
      { state: 'MA', city: 'Springfield', messages: 1 },
    ]);
    expect(stats.top_users).toEqual([
      { username: 'ann', messages: 2 },
      { username: 'bob', messages: 2 },
      { username: 'Ann', messages: 1 },
      { username: 'zoë', messages: 1 },
    ]);
  });

  it('serves GET /messy/stats and the seed alias with and without the slash as 200 (never 3xx), no-cache', async () => {
    await app.request('/messy/admin/stats/refresh', { method: 'POST', headers: auth });
    for (const path of ['/messy/stats', '/messy/stat/get/', '/messy/stat/get']) {
      const response = await app.request(path, { redirect: 'manual' });
      expect(response.status, path).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(((await response.json()) as Stats).messages).toBe(6);
    }
  });

  it('reflects a persisted message on schedule, within the freshness bound', async () => {
    await postAll(app, [message({ username: 'late', state: 'WY', city: 'Cheyenne' })]);
    const stats = await waitFor(
      async () => {
        const body = (await (await app.request('/messy/stats')).json()) as Stats;
        return body.per_state.WY!.messages === 1 ? body : undefined;
      },
      { timeoutMs: 2 * 300 + 2_000 + 500, what: 'the scheduled snapshot to include the message' },
    );
    expect(stats.messages).toBe(7);
  });

  it('requires the admin bearer token when MESSY_ADMIN_TOKEN is set', async () => {
    for (const headers of [{}, { Authorization: 'Bearer wrong' }] as Record<string, string>[]) {
      const response = await app.request('/messy/admin/stats/refresh', { method: 'POST', headers });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
    }
    expect((await app.request('/messy/admin/stats/recount', { method: 'POST' })).status).toBe(401);
  });

  it('recount finds and repairs drift, and reports it in messy_stats_drift', async () => {
    const clean = await app.request('/messy/admin/stats/recount', { method: 'POST', headers: auth });
    expect(clean.status).toBe(200);
    expect(await clean.json()).toEqual({ drift: 0, checked_at: expect.any(String) });
    const db = app.platform.deps.db;
    await sql`UPDATE messy.user_counts SET messages = messages + 5 WHERE username = 'ann'`.execute(db);
    await sql`DELETE FROM messy.city_counts WHERE state = 'MA' AND city_key = 'boston'`.execute(db);
    await sql`UPDATE messy.totals SET users = users + 1`.execute(db);
    const drifted = (await (await app.request('/messy/admin/stats/recount', { method: 'POST', headers: auth })).json()) as { drift: number };
    expect(drifted.drift).toBe(5 + 1 + 1);
    expect(await (await app.request('/metrics')).text()).toMatch(/^messy_stats_drift 7$/m);
    const stats = (await (await app.request('/messy/admin/stats/refresh', { method: 'POST', headers: auth })).json()) as Stats;
    expect(stats.top_users[0]).toEqual({ username: 'ann', messages: 2 });
    expect(stats.users).toBe(5);
    expect(stats.top_cities).toContainEqual({ state: 'MA', city: 'Boston', messages: 1 });
    expect(((await (await app.request('/messy/admin/stats/recount', { method: 'POST', headers: auth })).json()) as { drift: number }).drift).toBe(0);
  });

  it('marks the last good snapshot stale when a refresh fails, and serves it', async () => {
    const db = app.platform.deps.db;
    const good = (await (await app.request('/messy/admin/stats/refresh', { method: 'POST', headers: auth })).json()) as Stats;
    await sql`ALTER TABLE messy.totals RENAME TO totals_gone`.execute(db);
    try {
      const stale = await waitFor(
        async () => {
          const body = (await (await app.request('/messy/stats')).json()) as Stats;
          return body.stale ? body : undefined;
        },
        { timeoutMs: 5_000, what: 'the snapshot to be marked stale' },
      );
      expect(stale.messages).toBe(good.messages);
    } finally {
      await sql`ALTER TABLE messy.totals_gone RENAME TO totals`.execute(db);
    }
    await waitFor(async () => !((await (await app.request('/messy/stats')).json()) as Stats).stale, { timeoutMs: 5_000, what: 'a fresh snapshot' });
  });
});

describe('messy statistics without a scheduler', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startMessy({ MESSY_STATS_INTERVAL_MS: '200' }, { workers: false });
  });
  afterAll(() => app.close());

  it('answers 503 when no snapshot exists and the first build fails', async () => {
    const db = app.platform.deps.db;
    await sql`ALTER TABLE messy.totals RENAME TO totals_gone`.execute(db);
    try {
      const response = await app.request('/messy/stats');
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
    } finally {
      await sql`ALTER TABLE messy.totals_gone RENAME TO totals`.execute(db);
    }
  });

  it('builds the first snapshot on request, serves 304 for a matching If-None-Match, then marks it stale once older than 2 × interval + 2 s', async () => {
    const first = await app.request('/messy/stats');
    expect(first.status).toBe(200);
    const body = (await first.json()) as Stats;
    expect(body).toMatchObject({ messages: 0, users: 0, cities: 0, stale: false, top_cities: [], top_users: [] });
    const etag = first.headers.get('etag')!;
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const conditional = await app.request('/messy/stats', { headers: { 'If-None-Match': header } });
      expect(conditional.status, header).toBe(304);
      expect(conditional.headers.get('etag')).toBe(etag);
      expect(await conditional.text()).toBe('');
    }
    expect((await app.request('/messy/stats', { headers: { 'If-None-Match': '"nope"' } })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2 * 200 + 2_000 + 300));
    const later = await app.request('/messy/stats');
    expect(((await later.json()) as Stats).stale).toBe(true);
    expect(later.headers.get('etag')).not.toBe(first.headers.get('etag'));
    expect(await (await app.request('/metrics')).text()).toMatch(/^messy_stats_age_seconds [2-9]\.\d+$/m);
  });

  it('counts each snapshot build by trigger in messy_stats_snapshots_total', async () => {
    const builds = async () => {
      const text = await (await app.request('/metrics')).text();
      return Object.fromEntries([...text.matchAll(/^messy_stats_snapshots_total\{trigger="(\w+)"\} (\d+)$/gm)].map(([, trigger, n]) => [trigger, Number(n)]));
    };
    // The failed first build above is not counted; the successful one is, and serving it again builds nothing.
    await app.request('/messy/stats');
    expect(await builds()).toEqual({ scheduled: 0, refresh: 0, first_request: 1 });
    expect((await app.request('/messy/admin/stats/refresh', { method: 'POST' })).status).toBe(200);
    expect(await builds()).toEqual({ scheduled: 0, refresh: 1, first_request: 1 });
  });
});
