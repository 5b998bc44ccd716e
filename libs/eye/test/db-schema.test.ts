import pg from 'pg';
import { startTestApp, testContext, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEyeModule } from '../src';
import type { EyeDb } from '../src/db';

/** Columns of src/db.ts, by table: the hand-written types must match what the migrations create. */
const DECLARED: { [Table in keyof EyeDb]: (keyof EyeDb[Table])[] } = {
  events: ['id', 'event_id', 'application', 'session_id', 'category', 'name', 'data', 'timestamp', 'received_at', 'type_version', 'seq', 'dedup_key', 'stored_at'],
  errors: ['id', 'application', 'code', 'message', 'details', 'endpoint', 'index', 'payload', 'raw_text', 'received_at', 'status', 'replayed_event_id', 'replayed_at'],
  event_types: ['application', 'category', 'name', 'version', 'schema', 'description', 'created_at'],
};

describe('schema eye', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [createEyeModule], workers: false });
  });
  afterAll(() => app.close());

  it('has the tables, columns, unique key and indexes of the spec', async () => {
    const client = new pg.Client({ connectionString: testContext().databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_name: string; column_name: string; data_type: string }>(
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'eye' AND table_name <> 'kysely_migration' AND table_name <> 'kysely_migration_lock' ORDER BY table_name, ordinal_position",
      );
      const actual: Record<string, string[]> = {};
      for (const row of rows) (actual[row.table_name] ??= []).push(row.column_name);
      expect(actual).toEqual(DECLARED);
      const types = Object.fromEntries(rows.map((row) => [`${row.table_name}.${row.column_name}`, row.data_type]));
      expect(types['events.data']).toBe('jsonb');
      expect(types['events.timestamp']).toBe('timestamp with time zone');
      expect(types['errors.payload']).toBe('text');
      const indexes = await client.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE schemaname = 'eye'");
      const definitions = indexes.rows.map((row) => row.indexdef.replace(/^.* USING btree /, ''));
      expect(definitions).toEqual(
        expect.arrayContaining([
          '(application, dedup_key)',
          '(application, session_id, "timestamp", seq)',
          '(application, category, name, "timestamp", seq)',
          '(application, "timestamp", seq)',
          '(application, received_at, id)',
          '(application, code, received_at)',
          '(application, category, name, version)',
        ]),
      );
    } finally {
      await client.end();
    }
  });
});
