import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, moduleDb, queryTemplate, type Database } from '../src';
import { testContext } from '../src/testing';

const schema = `template_${process.pid}`;

interface TemplateDb {
  items: { id: number; owner: number; kind: string; name: string };
}

describe('queryTemplate', () => {
  let database: Database;
  const db = () => moduleDb<TemplateDb>(database.db, schema);

  beforeAll(async () => {
    database = createDatabase(testContext().databaseUrl, { max: 2 });
    await sql.raw(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.items (id int PRIMARY KEY, owner int NOT NULL, kind text NOT NULL, name text NOT NULL)`).execute(database.db);
    await db()
      .insertInto('items')
      .values(Array.from({ length: 12 }, (_, i) => ({ id: i + 1, owner: i % 3, kind: i % 2 ? 'odd' : 'even', name: `item ${i + 1}` })))
      .execute();
  });
  afterAll(async () => {
    await sql.raw(`DROP SCHEMA ${schema} CASCADE`).execute(database.db);
    await database.close();
  });

  it('answers every call exactly as the same kysely query built for its arguments, constants kept, in the module schema', async () => {
    const page = (owner: number, afterId: number, limit: number) =>
      db().selectFrom('items').select(['id', 'name']).where('owner', '=', owner).where('kind', '=', 'even').where('id', '>', afterId).orderBy('id').limit(limit);
    const template = queryTemplate(db(), page);
    const calls: Array<[number, number, number]> = [
      [0, 0, 10],
      [0, 1, 1],
      [1, 0, 2],
      [2, 3, 10],
      [2, 100, 10],
    ];
    for (const args of calls) expect(await template(...args)).toEqual(await page(...args).execute());
    expect(await template(0, 0, 10)).toEqual([
      { id: 1, name: 'item 1' },
      { id: 7, name: 'item 7' },
    ]);
  });

  it('binds an argument used twice in both places', async () => {
    const either = queryTemplate(db(), (id: number) =>
      db().selectFrom('items').select('id').where((eb) => eb.or([eb('id', '=', id), eb('owner', '=', id)])).orderBy('id'),
    );
    expect((await either(2)).map((row) => row.id)).toEqual([2, 3, 6, 9, 12]);
  });

  it('refuses, when made, an argument that is not a parameter of the query', () => {
    expect(() => queryTemplate(db(), (_unused: number) => db().selectFrom('items').select('id'))).toThrow(/argument 1 is not a parameter/);
  });

  it('refuses, when made, an argument that is computed with', () => {
    expect(() => queryTemplate(db(), (limit: number) => db().selectFrom('items').select('id').limit(limit + 1))).toThrow(
      /argument 1 was computed with/,
    );
  });
});
