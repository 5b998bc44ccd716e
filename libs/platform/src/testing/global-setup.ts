import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from '../config';
import { dropDatabase, ensureDatabaseExists, quoteIdentifier } from '../db';
import { deleteKeysWithPrefix, Redis } from '../redis';
import type { PlatformTestContext } from './context';

const TEST_DATABASE = /^t_[a-z0-9]+_(\d+)_[0-9a-f]+$/;
const LEFTOVER_AGE_SECONDS = 6 * 3600;

/**
 * Vitest global setup: one fresh Postgres database and one Redis prefix per test run, removed afterwards.
 * Databases that an interrupted run left behind (older than six hours) are dropped on the way.
 */
export default async function setup(project: TestProject) {
  requireProjectNode();
  const serverUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const redisUrl = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  const projectName = basename(project.config.root).replace(/[^a-z0-9]/gi, '').toLowerCase();
  const runId = `${projectName}_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  const databaseName = `t_${runId}`;
  const databaseUrl = withDatabase(serverUrl, databaseName);
  await dropLeftoverDatabases(serverUrl);
  await ensureDatabaseExists(databaseUrl);
  const context: PlatformTestContext = { databaseUrl, redisPrefix: `test:${runId}`, redisUrl };
  project.provide('platformTest', context);

  return async () => {
    await dropDatabase(serverUrl, databaseName);
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    try {
      await deleteKeysWithPrefix(redis, context.redisPrefix);
    } finally {
      redis.disconnect();
    }
  };
}

/** Every suite runs on the Node that `.nvmrc` names (npm puts it first on the PATH), never on an older one found first. */
function requireProjectNode(): void {
  const wanted = Number(readFileSync(new URL('../../../../.nvmrc', import.meta.url), 'utf8').trim());
  const running = Number(process.versions.node.split('.')[0]);
  if (running < wanted) throw new Error(`tests need Node ${wanted} (.nvmrc) but run on Node ${process.versions.node}: run them through npm test`);
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function dropLeftoverDatabases(serverUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 't\\_%'");
    const now = Date.now() / 1000;
    for (const { datname } of rows) {
      const created = TEST_DATABASE.exec(datname)?.[1];
      if (created && now - Number(created) > LEFTOVER_AGE_SECONDS) {
        await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(datname)} WITH (FORCE)`).catch(() => undefined);
      }
    }
  } finally {
    await admin.end();
  }
}
