import { ensureDatabaseExists } from '@platform/platform';
import { Redis } from 'ioredis';

/** Fails with one actionable line when Postgres cannot be reached; creates the database if missing. */
export async function preparePostgres(url: string): Promise<void> {
  try {
    await ensureDatabaseExists(url);
  } catch (error) {
    throw new PreflightError(
      `Postgres is not reachable at ${redactUrl(url)} (${(error as Error).message}): start Postgres, or set DATABASE_URL, or unset it and use 'npm start' for an embedded one`,
    );
  }
}

/** Fails with one actionable line when Redis does not answer within a few seconds. */
export async function checkRedis(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3_000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new PreflightError(
      `Redis is not reachable at ${redactUrl(url)} (${(error as Error).message}): install and start one (apt-get install redis-server, or brew install redis) or set REDIS_URL`,
    );
  } finally {
    redis.disconnect();
  }
}

export class PreflightError extends Error {
  override name = 'PreflightError';
}

function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
