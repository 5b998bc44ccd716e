import { createHash } from 'node:crypto';
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/**
 * Multi-row inserts and long IN lists give a new query text per row count; naming those would fill every
 * connection's statement cache with one-off plans, so they stay unnamed.
 */
const MAX_PREPARED_PARAMETERS = 64;
/** Bounds the statements each connection (and its Postgres backend) keeps. */
const MAX_PREPARED_STATEMENTS = 2_000;
// Postgres refuses a cached plan whose result columns changed (a migration altered a table under a live pool).
const CACHED_PLAN_CHANGED = '0A000';

/**
 * A kysely pool whose parameterised queries run as named (prepared) statements: Postgres parses and plans each
 * query text once per connection instead of on every call, which is most of the server's work for the short
 * multi-join lookups on the request paths. Statements without parameters (transaction control, migrations'
 * multi-statement DDL) keep the simple protocol.
 */
export function preparedStatementPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();

  const statementName = (sql: string, parameters: readonly unknown[]): string | undefined => {
    if (parameters.length === 0 || parameters.length > MAX_PREPARED_PARAMETERS) return undefined;
    let name = names.get(sql);
    if (name === undefined && names.size < MAX_PREPARED_STATEMENTS) {
      name = `k_${createHash('sha1').update(sql).digest('base64url')}`;
      names.set(sql, name);
    }
    return name;
  };

  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let stale = false;
    const run = async (sql: string, parameters: readonly unknown[]) => {
      const name = statementName(sql, parameters);
      if (name === undefined) return client.query(sql, [...parameters]);
      try {
        return await client.query({ name, text: sql, values: [...parameters] });
      } catch (error) {
        if ((error as { code?: unknown }).code !== CACHED_PLAN_CHANGED) throw error;
        stale = true;
        return client.query(sql, [...parameters]);
      }
    };
    function query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
    function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
    function query(first: string | PostgresCursor<unknown>, parameters: readonly unknown[] = []): unknown {
      return typeof first === 'string' ? run(first, parameters) : client.query(first as never);
    }
    // A connection holding plans from before a schema change is closed rather than reused.
    return { query, release: (destroy?: boolean) => client.release(destroy || stale) };
  };

  return {
    async connect() {
      const client = await pool.connect();
      let handle = wrapped.get(client);
      if (!handle) {
        handle = wrap(client);
        wrapped.set(client, handle);
      }
      return handle;
    },
    end: () => pool.end(),
    options: pool.options,
  };
}
