import { sql, type Kysely } from 'kysely';
import { startTestApp, waitFor, type TestApp } from '@platform/platform/testing';
import { createMessyModule } from '../src';

export const message = (overrides: Record<string, unknown> = {}) => ({
  username: 'fred',
  city: 'New York',
  state: 'NY',
  message: 'Yo what up!',
  ...overrides,
});

/** The messy app on the run's database, emptied first (test files run one after another). */
export async function startMessy(env: Record<string, string> = {}, options: { workers?: boolean } = {}): Promise<TestApp> {
  const app = await startTestApp({
    modules: [createMessyModule],
    env: { MESSY_STATS_INTERVAL_MS: '300', MESSY_COALESCE_MS: '2', ...(options.workers === false ? { ROLE: 'api' } : {}), ...env },
    workers: options.workers,
  });
  await resetMessyTables(app.platform.deps.db);
  return app;
}

export async function resetMessyTables(db: Kysely<any>): Promise<void> {
  await sql`TRUNCATE messy.messages, messy.user_counts, messy.city_counts, messy.state_counts, messy.second_counts`.execute(db);
  await sql`UPDATE messy.totals SET messages = 0, users = 0, cities = 0`.execute(db);
}

export async function postMessage(app: TestApp, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return app.request('/messy/messages', { method: 'POST', json: body, headers });
}

/** Waits until the message is readable by id (persisted). */
export async function waitPersisted(app: TestApp, id: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  return waitFor(
    async () => {
      const response = await app.request(`/messy/messages/${id}`);
      return response.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined;
    },
    { timeoutMs, what: `message ${id} to be persisted` },
  );
}
