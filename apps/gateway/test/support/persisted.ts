import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/** How many of `ids` are rows of `table` (schema-qualified), checked in Postgres itself. */
export async function countPersisted(db: Kysely<any>, table: 'eye.events' | 'messy.messages', ids: string[]): Promise<number> {
  if (!ids.length) return 0;
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE id = ANY(${ids}::uuid[])`.execute(db);
  return rows[0]!.n;
}
