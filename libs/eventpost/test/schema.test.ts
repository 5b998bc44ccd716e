import { startTestApp, type TestApp } from '@platform/platform/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventpostModule } from '../src';
import type { EventpostDb } from '../src/db';

// Typed by the hand-written table interfaces: a column added to one side only fails typecheck or this test.
const EXPECTED: { [T in keyof EventpostDb]: Record<keyof EventpostDb[T], [type: string, nullable: boolean]> } = {
  events: {
    id: ['text', false],
    title: ['text', false],
    description: ['text', false],
    date: ['text', false],
    time: ['text', false],
    timezone: ['text', false],
    starts_at: ['timestamp with time zone', false],
    place: ['text', false],
    organizer: ['text', false],
    topics: ['text', false],
    version: ['integer', false],
    created_at: ['timestamp with time zone', false],
    updated_at: ['timestamp with time zone', false],
  },
  notifications: {
    id: ['text', false],
    subject: ['text', false],
    content: ['text', false],
    to_mail: ['text', false],
    scheduled_time: ['timestamp with time zone', false],
    event_id: ['text', true],
    status: ['text', false],
    attempts: ['integer', false],
    last_error: ['text', true],
    sent_at: ['timestamp with time zone', true],
    schedule_seq: ['integer', false],
    version: ['integer', false],
    created_at: ['timestamp with time zone', false],
    updated_at: ['timestamp with time zone', false],
  },
  idempotency_keys: {
    scope: ['text', false],
    key: ['text', false],
    request_hash: ['text', false],
    response: ['text', true],
    created_at: ['timestamp with time zone', false],
  },
};

describe('schema eventpost', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [createEventpostModule], workers: false });
  });
  afterAll(() => app.close());

  it('matches the Kysely table interfaces column for column', async () => {
    const { rows } = await sql<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>`
      SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
      WHERE table_schema = 'eventpost' AND table_name <> 'kysely_migration' AND table_name <> 'kysely_migration_lock'`.execute(
      app.platform.deps.db,
    );
    const actual: Record<string, Record<string, [string, boolean]>> = {};
    for (const row of rows) (actual[row.table_name] ??= {})[row.column_name] = [row.data_type, row.is_nullable === 'YES'];
    expect(actual).toEqual(EXPECTED);
  });

  it('keeps the (starts_at, id) and (scheduled_time, id) indexes the listings walk', async () => {
    const { rows } = await sql<{ indexdef: string }>`SELECT indexdef FROM pg_indexes WHERE schemaname = 'eventpost'`.execute(app.platform.deps.db);
    const definitions = rows.map((row) => row.indexdef);
    expect(definitions.some((d) => d.includes('(starts_at, id)'))).toBe(true);
    expect(definitions.some((d) => d.includes('(scheduled_time, id)'))).toBe(true);
  });
});
