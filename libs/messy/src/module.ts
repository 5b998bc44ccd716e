import { moduleDb, type DomainModule, type ModuleFactory } from '@platform/platform';
import { loadMessyConfig } from './config';
import type { MessyDb } from './db';
import { createIdempotencyStore } from './idempotency';
import { createIngestQueue } from './ingest-queue';
import { createIngestProcessor, startMessyWorkers } from './jobs';
import { createMessyMetrics } from './metrics';
import { migrations } from './migrations';
import { messyOperations, messySecuritySchemes } from './operations';
import { createStatsService } from './stats-service';
import { createUuidV7Generator } from './uuid7';
import { createWriteService } from './writes';

export const createMessyModule: ModuleFactory = (deps): DomainModule => {
  const config = loadMessyConfig(deps.config.env);
  const db = moduleDb<MessyDb>(deps.db, 'messy');
  const logger = deps.logger.child({ module: 'messy' });
  const ingest = createIngestQueue({ queues: deps.queues, redis: deps.redis, config, logger });
  // The gauges read `stats` at scrape time only, after it exists.
  const metrics = createMessyMetrics(deps.metrics, {
    backlog: () => ingest.backlog.fresh(),
    statsAgeSeconds: () => stats.ageSeconds(),
    drift: () => stats.lastDrift(),
    deadLetterJobs: () => ingest.queue.getFailedCount(),
  });
  const stats = createStatsService({ db, redis: deps.redis, platformConfig: deps.config, config, logger, metrics });
  const writes = createWriteService({
    config,
    ingest,
    // A pending key belongs to its request until the enqueue timeout (plus a margin) has passed.
    idempotency: createIdempotencyStore(deps.redis, deps.config, config.MESSY_ENQUEUE_TIMEOUT_MS + 1_000),
    metrics,
    newId: createUuidV7Generator(),
    logger,
  });
  let stopWorkers: (() => Promise<void>) | undefined;

  return {
    name: 'messy',
    description: 'A message wall: durable 202 writes through a Redis queue, keyset reads and cached statistics',
    operations: messyOperations({ config, db, writes, stats, metrics, platformMetrics: deps.metrics }),
    securitySchemes: messySecuritySchemes,
    migrations,
    async start() {
      if (!config.MESSY_ADMIN_TOKEN) logger.warn('MESSY_ADMIN_TOKEN is unset: /messy/admin/* is open to anyone');
      await warnUnlessNoEviction(deps.redis, logger);
      if (deps.config.ROLE !== 'api') {
        stopWorkers = await startMessyWorkers({ platform: deps, config, ingest: createIngestProcessor({ db, platform: deps, metrics, config }), stats });
      }
    },
    async close() {
      await ingest.drain();
      await stopWorkers?.();
    },
  };
};

async function warnUnlessNoEviction(redis: { config(op: 'GET', key: string): Promise<unknown> }, logger: { warn(obj: object, msg: string): void }) {
  try {
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
    if (policy !== 'noeviction') logger.warn({ policy }, 'Redis maxmemory-policy is not noeviction: accepted messages could be evicted');
  } catch (error) {
    logger.warn({ err: error }, 'could not read the Redis maxmemory-policy (it must be noeviction)');
  }
}
