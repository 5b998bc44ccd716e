import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { preparedStatementPool } from './prepared-statements';

// int8 (bigint) and numeric come back as strings by default; ids and counts here fit in 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface Database {
  pool: pg.Pool;
  /** Untyped root handle; a module narrows it with `moduleDb<DB>(db, schema)`. */
  db: Kysely<any>;
  close(): Promise<void>;
}

export function createDatabase(url: string, options: { max?: number } = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 20,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // A client losing its server connection emits 'error': the pool listens only while the client is idle, so
  // without a listener of our own a checked-out client (a transaction, a worker) would crash the process.
  // The failed query itself still rejects, and the pool discards the broken client.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: preparedStatementPool(pool) }) });
  return { pool, db, close: () => db.destroy() };
}

/** The module's typed view: every unqualified table name resolves in the module's own schema. */
export function moduleDb<DB>(db: Kysely<any>, schema: string): Kysely<DB> {
  return db.withSchema(schema) as Kysely<DB>;
}

/** Creates the database named in `url` when it is missing (connecting to the server's `postgres` db). */
export async function ensureDatabaseExists(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
      return true;
    } catch (error) {
      // Another process created it first: 42P04, or 23505 when both inserted into pg_database at once.
      if (isPgError(error, '42P04') || isPgError(error, '23505')) return false;
      throw error;
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabase(url: string, name: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function isPgError(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
