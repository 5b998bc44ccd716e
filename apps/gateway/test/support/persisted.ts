import { waitFor } from '@platform/platform/testing';
import { sql, type Kysely } from 'kysely';
import type { FloodResult } from './write-flood';

/** How many of `ids` are rows of `table` (schema-qualified), checked in Postgres itself. */
async function countPersisted(db: Kysely<any>, table: 'eye.events' | 'messy.messages', ids: string[]): Promise<number> {
  if (!ids.length) return 0;
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE id = ANY(${ids}::uuid[])`.execute(db);
  return rows[0]!.n;
}

/** Resolves once every write the flood got a 2xx for is a row in Postgres; fails after `timeoutMs`. */
export async function waitUntilPersisted(db: Kysely<any>, accepted: FloodResult['accepted'], timeoutMs: number): Promise<void> {
  await waitFor(
    async () =>
      (await countPersisted(db, 'eye.events', accepted.eye)) === accepted.eye.length &&
      (await countPersisted(db, 'messy.messages', accepted.messy)) === accepted.messy.length,
    { timeoutMs, what: 'every accepted write in Postgres' },
  );
}
