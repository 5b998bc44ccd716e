import type { TestApp } from '@platform/platform/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TABLE_COLUMNS } from '../src/db';
import { startSnackdrawer } from './helpers';

let app: TestApp;
beforeAll(async () => {
  app = await startSnackdrawer();
});
afterAll(() => app.close());

it('the hand-written table types match information_schema (columns and nullability)', async () => {
  const { rows } = await sql<{ table_name: string; column_name: string; is_nullable: string }>`
    SELECT table_name, column_name, is_nullable FROM information_schema.columns
    WHERE table_schema = 'snackdrawer' AND table_name <> 'kysely_migration' AND table_name <> 'kysely_migration_lock'
    ORDER BY table_name, ordinal_position`.execute(app.platform.deps.db);
  const actual: Record<string, string[]> = {};
  for (const row of rows) (actual[row.table_name] ??= []).push(row.column_name);
  expect(actual).toEqual(TABLE_COLUMNS);
  const nullable = rows.filter((row) => row.is_nullable === 'YES').map((row) => `${row.table_name}.${row.column_name}`);
  expect(nullable).toEqual(['snacks.created_by']);
});

it('enforces the constraints the code relies on', async () => {
  const { rows } = await sql<{ conname: string }>`
    SELECT conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
    WHERE n.nspname = 'snackdrawer' ORDER BY conname`.execute(app.platform.deps.db);
  expect(rows.map((row) => row.conname)).toEqual(
    expect.arrayContaining([
      'users_username_key',
      'users_role_check',
      'snacks_name_key',
      'drawers_user_id_name_key',
      'drawer_snacks_pkey',
      'drawer_snacks_quantity_check',
      'drawer_snacks_snack_id_fkey',
      'drawer_snacks_drawer_id_fkey',
    ]),
  );
  const { rows: indexes } = await sql<{ indexname: string }>`
    SELECT indexname FROM pg_indexes WHERE schemaname = 'snackdrawer' AND tablename = 'drawer_snacks'`.execute(app.platform.deps.db);
  expect(indexes.map((row) => row.indexname)).toContain('drawer_snacks_snack_id_idx');
});
