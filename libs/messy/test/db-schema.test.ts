import { sql } from 'kysely';
import type { TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessyDb } from '../src/db';
import { startMessy } from './helpers';

// The hand-written table types of src/db.ts, column by column; a migration that changes a table fails here.
const EXPECTED: { [T in keyof MessyDb]: (keyof MessyDb[T])[] } = {
  messages: ['id', 'username', 'city', 'city_key', 'state', 'message', 'created_at', 'persisted_at'],
  user_counts: ['username', 'messages'],
  city_counts: ['state', 'city_key', 'city', 'messages'],
  state_counts: ['state', 'messages', 'cities'],
  second_counts: ['bucket', 'messages'],
  totals: ['id', 'messages', 'users', 'cities'],
};

describe('schema messy', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startMessy({}, { workers: false });
  });
  afterAll(() => app.close());

  it('matches the Kysely table types', async () => {
    const { rows } = await sql<{ table_name: string; column_name: string }>`
      SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'messy' AND table_name NOT LIKE 'kysely%' ORDER BY table_name, ordinal_position`.execute(app.platform.deps.db);
    const actual: Record<string, string[]> = {};
    for (const row of rows) (actual[row.table_name] ??= []).push(row.column_name);
    expect(actual).toEqual(EXPECTED);
  });

  it('publishes every endpoint in /openapi.json', async () => {
    const document = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, object> };
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/messy')).sort()).toEqual([
      '/messy/admin/stats/recount',
      '/messy/admin/stats/refresh',
      '/messy/message/write',
      '/messy/messages',
      '/messy/messages/batch',
      '/messy/messages/{id}',
      '/messy/stat/get',
      '/messy/stats',
    ]);
  });
});
