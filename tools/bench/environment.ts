import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, deleteKeysWithPrefix, dropDatabase, ensureDatabaseExists, quoteIdentifier } from '@platform/platform';
import { Redis } from 'ioredis';
import pg from 'pg';

const LEFTOVER_AGE_MS = 6 * 3600_000;
const BENCH_DATABASE = /^bench_(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(_\d+)?$/;

export const serverDatabaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
export const redisUrl = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;

export interface ScenarioDatabase {
  name: string;
  url: string;
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Closes the harness's own connections and drops the database (forcing out the gateway's). */
  drop(): Promise<void>;
}

export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** `bench_20261130010500`: the run's id, also the prefix of its databases and Redis keys. */
export function runId(date = new Date()): string {
  return `bench_${date.toISOString().replace(/\D/g, '').slice(0, 14)}`;
}

export async function createScenarioDatabase(name: string): Promise<ScenarioDatabase> {
  const url = withDatabase(serverDatabaseUrl, name);
  await ensureDatabaseExists(url);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined);
  return {
    name,
    url,
    async query<Row>(sql: string, params: unknown[] = []) {
      const result = await pool.query(sql, params);
      return result.rows as Row[];
    },
    async drop() {
      await pool.end();
      await dropDatabase(serverDatabaseUrl, name);
    },
  };
}

export async function deleteRedisKeys(prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    return await deleteKeysWithPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

/** Databases of runs that were killed before their clean-up (older than six hours). */
export async function dropLeftoverDatabases(): Promise<void> {
  await onServer(async (admin) => {
    const { rows } = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_%'");
    for (const { datname } of rows) {
      const parts = BENCH_DATABASE.exec(datname);
      if (!parts) continue;
      const [, y, mo, d, h, mi, s] = parts.map(Number) as number[];
      const created = Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
      if (Date.now() - created > LEFTOVER_AGE_MS) {
        await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(datname)} WITH (FORCE)`).catch(() => undefined);
      }
    }
  });
}

/** Runs `work` on a connection to the server's `postgres` database (where CREATE/DROP DATABASE are issued). */
async function onServer<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: withDatabase(serverDatabaseUrl, 'postgres'), connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
