import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { dropDatabase, ensureDatabaseExists } from '../src';
import { testContext } from '../src/testing';

describe('ensureDatabaseExists', () => {
  it('creates a missing database once, even when several processes ask at the same time', async () => {
    const url = new URL(testContext().databaseUrl);
    const name = `${url.pathname.slice(1)}_extra`;
    url.pathname = `/${name}`;
    try {
      const created = await Promise.all([1, 2, 3].map(() => ensureDatabaseExists(url.toString())));
      expect(created.filter(Boolean).length).toBeLessThanOrEqual(1);
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      const { rows } = await client.query('SELECT current_database() AS name');
      await client.end();
      expect(rows[0].name).toBe(name);
      expect(await ensureDatabaseExists(url.toString())).toBe(false);
    } finally {
      await dropDatabase(testContext().databaseUrl, name);
    }
  });
});
