import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';

export type { Migration };

export interface MigrationSet {
  /** Module name: its Postgres schema and the home of its `kysely_migration` table. */
  name: string;
  migrations: Record<string, Migration>;
}

/** Session-level lock around the whole run, so several gateways starting at once apply each migration once. */
const PLATFORM_MIGRATION_LOCK = 728_361_904;

/**
 * Applies every set's pending migrations, one set after another, in the set's own schema.
 * Kysely migrators share one advisory lock id, so they must never run nested: this runs them in turn
 * while holding the platform-wide lock on a connection of its own.
 */
export async function runMigrations(db: Kysely<any>, sets: MigrationSet[]): Promise<void> {
  await db.connection().execute(async (connection) => {
    await sql`SELECT pg_advisory_lock(${PLATFORM_MIGRATION_LOCK})`.execute(connection);
    try {
      for (const set of sets) await migrateSet(db, set);
    } finally {
      await sql`SELECT pg_advisory_unlock(${PLATFORM_MIGRATION_LOCK})`.execute(connection);
    }
  });
}

async function migrateSet(db: Kysely<any>, set: MigrationSet): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(set.name)}`.execute(db);
  const migrator = new Migrator({
    db: db.withSchema(set.name),
    provider: { getMigrations: async () => set.migrations },
    migrationTableSchema: set.name,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${set.name}/${failed} failed: ${errorMessage(error)}`, { cause: error });
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
