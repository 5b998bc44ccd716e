import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../src';
import { testContext } from '../src/testing';

const schema = `prepared_${process.pid}`;

describe('queries run as prepared statements', () => {
  let database: Database;

  beforeAll(async () => {
    database = createDatabase(testContext().databaseUrl, { max: 1 });
    await sql.raw(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.items (id int PRIMARY KEY, name text NOT NULL)`).execute(database.db);
  });
  afterAll(async () => {
    await sql.raw(`DROP SCHEMA ${schema} CASCADE`).execute(database.db);
    await database.close();
  });

  const preparedStatements = async () =>
    (await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(database.db)).rows.map((row) => row.statement);

  it('parses a parameterised query once per connection and reuses it', async () => {
    const byId = (id: number) => database.db.withSchema(schema).selectFrom('items').select('name').where('id', '=', id).execute();
    await database.db.withSchema(schema).insertInto('items').values({ id: 1, name: 'one' }).execute();
    expect(await byId(1)).toEqual([{ name: 'one' }]);
    expect(await byId(2)).toEqual([]);
    const lookups = (await preparedStatements()).filter((statement) => statement.includes(`from "${schema}"."items" where "id" = $1`));
    expect(lookups).toHaveLength(1);
  });

  it('leaves statements without parameters and bulk inserts unnamed', async () => {
    await sql.raw(`SELECT 1 AS one; SELECT 2 AS two`).execute(database.db);
    const rows = Array.from({ length: 100 }, (_, i) => ({ id: 1_000 + i, name: `bulk ${i}` }));
    await database.db.withSchema(schema).insertInto('items').values(rows).execute();
    const statements = await preparedStatements();
    expect(statements.some((statement) => statement.includes('SELECT 2 AS two'))).toBe(false);
    expect(statements.some((statement) => statement.includes('bulk') || statement.includes('$100'))).toBe(false);
  });

  it('answers correctly after a migration changes a table under a prepared statement, on a fresh connection', async () => {
    const everything = () => database.db.withSchema(schema).selectFrom('items').selectAll().where('id', '=', 1).execute();
    expect(await everything()).toEqual([{ id: 1, name: 'one' }]);
    const [before] = (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(database.db)).rows;
    await sql.raw(`ALTER TABLE ${schema}.items ADD COLUMN colour text NOT NULL DEFAULT 'red'`).execute(database.db);
    expect(await everything()).toEqual([{ id: 1, name: 'one', colour: 'red' }]);
    const [after] = (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(database.db)).rows;
    expect(after!.pid).not.toBe(before!.pid);
    expect(await everything()).toEqual([{ id: 1, name: 'one', colour: 'red' }]);
  });
});
