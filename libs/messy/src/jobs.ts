import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { timeDbOperation, type PlatformDeps } from '@platform/platform';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { MessyConfig } from './config';
import type { MessyDb } from './db';
import { INGEST_QUEUE, type IngestJobData } from './ingest-queue';
import type { StoredMessage } from './messages';
import type { MessyMetrics } from './metrics';
import { insertMessagesBatch } from './repository';
import type { StatsService } from './stats-service';

export const STATS_QUEUE = 'messy-stats';
export const RECOUNT_QUEUE = 'messy-recount';
const WORKER_CLOSE_DEADLINE_MS = 5_000;

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): retrying cannot help. */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

/**
 * Persists a batch; on a data error halves it until the bad messages stand alone, so that their
 * neighbours persist. Returns the messages that cannot be stored.
 */
export async function persistWithHalving(persist: (messages: StoredMessage[]) => Promise<void>, messages: StoredMessage[]): Promise<StoredMessage[]> {
  try {
    await persist(messages);
    return [];
  } catch (error) {
    if (!isDataError(error)) throw error;
    if (messages.length === 1) return messages;
    const middle = Math.ceil(messages.length / 2);
    return [
      ...(await persistWithHalving(persist, messages.slice(0, middle))),
      ...(await persistWithHalving(persist, messages.slice(middle))),
    ];
  }
}

/** How long the negative control's worker holds an acknowledged job's rows before writing them. */
const UNSAFE_PERSIST_DELAY_MS = 500;

export function createIngestProcessor(deps: { db: Kysely<MessyDb>; platform: PlatformDeps; metrics: MessyMetrics; config: MessyConfig }) {
  const { db, platform, metrics, config } = deps;
  const persist = async (messages: StoredMessage[]) => {
    const outcome = await timeDbOperation(platform.metrics, 'messy', 'messages.insert_batch', () => insertMessagesBatch(db, messages));
    metrics.batchSize.observe(messages.length);
    metrics.messages.inc({ outcome: 'persisted' }, outcome.inserted);
    metrics.messages.inc({ outcome: 'duplicate' }, outcome.duplicates);
  };
  return async (job: Job<IngestJobData>): Promise<void> => {
    const { messages } = job.data;
    if (config.MESSY_UNSAFE_EARLY_COMPLETE) {
      // Negative control only: like the seed's Celery tasks, the job is acknowledged on receipt and its rows are
      // written later, so a crash in between loses them. The delay keeps that window open however fast the insert.
      setTimeout(() => {
        persistWithHalving(persist, messages).catch((error: unknown) => platform.logger.error({ err: error }, 'messy: unsafe insert failed'));
      }, UNSAFE_PERSIST_DELAY_MS);
      return;
    }
    const bad = await persistWithHalving(persist, messages);
    if (bad.length > 0) {
      // Only the messages that cannot be stored stay in the dead-letter job.
      await job.updateData({ messages: bad });
      throw new UnrecoverableError(`${bad.length} message(s) violate the table's constraints`);
    }
  };
}

/** Starts the ingest, statistics and recount workers and upserts the job schedulers (ROLE all|worker). */
export async function startMessyWorkers(deps: {
  platform: PlatformDeps;
  config: MessyConfig;
  ingest: (job: Job<IngestJobData>) => Promise<void>;
  stats: StatsService;
}): Promise<() => Promise<void>> {
  const { platform, config, ingest, stats } = deps;
  const prefix = platform.queues.prefix;
  const connection = new Redis(platform.config.REDIS_URL, { maxRetriesPerRequest: null });
  connection.on('error', () => undefined);
  const workers = [
    new Worker<IngestJobData>(INGEST_QUEUE, ingest, {
      connection,
      prefix,
      concurrency: config.MESSY_WORKER_CONCURRENCY,
      lockDuration: config.MESSY_JOB_LOCK_MS,
      stalledInterval: config.MESSY_JOB_LOCK_MS,
      // A killed worker's job is picked up again, never failed for stalling.
      maxStalledCount: 1_000_000,
    }),
    // Own queues, so that ingest load cannot delay statistics.
    new Worker(STATS_QUEUE, () => stats.refreshScheduled(), { connection, prefix, concurrency: 1 }),
    new Worker(RECOUNT_QUEUE, async () => void (await stats.recount()), { connection, prefix, concurrency: 1, lockDuration: 600_000 }),
  ];
  for (const worker of workers) {
    worker.on('error', (error) => platform.logger.warn({ err: error, queue: worker.name }, 'messy: worker error'));
    worker.on('failed', (job, error) =>
      platform.logger.warn({ err: error, queue: worker.name, jobId: job?.id, attempts: job?.attemptsMade }, 'messy: job failed'),
    );
  }
  await platform.queues.queue(STATS_QUEUE).upsertJobScheduler(
    'messy-stats-refresh',
    { every: config.MESSY_STATS_INTERVAL_MS },
    { name: 'refresh', opts: { attempts: 1, removeOnComplete: true, removeOnFail: 100 } },
  );
  await platform.queues.queue(RECOUNT_QUEUE).upsertJobScheduler(
    'messy-recount',
    { pattern: config.MESSY_RECOUNT_CRON, tz: 'UTC' },
    { name: 'recount', opts: { attempts: 3, backoff: { type: 'exponential', delay: 5_000 }, removeOnComplete: true, removeOnFail: 100 } },
  );
  return async () => {
    await Promise.all(
      workers.map(async (worker) => {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), WORKER_CLOSE_DEADLINE_MS)));
        const outcome = await Promise.race([worker.close().then(() => 'closed' as const), deadline]);
        clearTimeout(timer);
        if (outcome === 'timeout') await worker.close(true).catch(() => undefined);
      }),
    );
    await connection.quit().catch(() => connection.disconnect());
  };
}
