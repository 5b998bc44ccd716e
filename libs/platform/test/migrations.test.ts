import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, runMigrations, type Database, type Migration } from '../src';
import { testContext } from '../src/testing';

// Plain CREATE TABLE / INSERT: applied twice, or concurrently without the lock, they fail.
const migrations: Record<string, Migration> = {
  '0001_counter': {
    async up(db) {
      await db.schema.createTable('applied').addColumn('n', 'integer', (c) => c.notNull()).execute();
      await sql`SELECT pg_sleep(0.2)`.execute(db);
    },
  },
  '0002_seed': {
    async up(db) {
      await db.insertInto('applied').values({ n: 1 }).execute();
    },
  },
};

describe('runMigrations', () => {
  const databases: Database[] = [];
  afterAll(async () => {
    await Promise.all(databases.map((d) => d.close()));
  });

  it('two gateways starting at once apply each migration exactly once, in the module schema', async () => {
    const schema = `mig_${Date.now()}`;
    for (let i = 0; i < 3; i++) databases.push(createDatabase(testContext().databaseUrl, { max: 3 }));
    await Promise.all(databases.map((d) => runMigrations(d.db, [{ name: schema, migrations }])));
    const rows = await sql<{ n: number }>`SELECT n FROM ${sql.table(`${schema}.applied`)}`.execute(databases[0]!.db);
    expect(rows.rows).toEqual([{ n: 1 }]);
    const recorded = await sql<{ name: string }>`SELECT name FROM ${sql.table(`${schema}.kysely_migration`)} ORDER BY name`.execute(databases[0]!.db);
    expect(recorded.rows.map((r) => r.name)).toEqual(['0001_counter', '0002_seed']);
  });

  it('a failing migration rejects with its name and the whole pending batch rolls back', async () => {
    const schema = `mig_fail_${Date.now()}`;
    const database = createDatabase(testContext().databaseUrl, { max: 2 });
    databases.push(database);
    const broken = { ...migrations, '0003_broken': { up: async (db: any) => void (await sql`SELECT * FROM no_such_table`.execute(db)) } };
    await expect(runMigrations(database.db, [{ name: schema, migrations: broken }])).rejects.toThrow(`migration ${schema}/0003_broken failed`);
    const tables = await sql`SELECT 1 FROM information_schema.tables WHERE table_schema = ${schema} AND table_name = 'applied'`.execute(database.db);
    expect(tables.rows).toEqual([]);
  });
});
