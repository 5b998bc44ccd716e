import type { RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';

export { Redis };

export interface RedisConnections {
  /** Commands from request handlers: fails fast while Redis is down, so the caller can answer 503. */
  client: Redis;
  /** For BullMQ workers (blocking commands): retries forever, as BullMQ requires. */
  workerOptions: RedisOptions;
  /** Connection options for BullMQ queues (producers), failing fast like `client`. */
  producerOptions: RedisOptions;
  close(): Promise<void>;
}

export function createRedisConnections(url: string): RedisConnections {
  const base = parseRedisUrl(url);
  const producerOptions: RedisOptions = {
    ...base,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  };
  const workerOptions: RedisOptions = {
    ...base,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  };
  const client = new Redis(producerOptions);
  client.on('error', () => undefined); // reconnection is automatic; callers see failed commands as 503
  return {
    client,
    workerOptions,
    producerOptions,
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

function parseRedisUrl(url: string): RedisOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || 6379),
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
  };
}

/** Deletes every key under `prefix:` (test clean-up and leftovers), without blocking Redis. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
