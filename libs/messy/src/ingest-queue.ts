import { randomUUID } from 'node:crypto';
import { createGroupCommitter, HttpError, type JobsOptions, type Logger, type Queues, type Redis } from '@platform/platform';
import type { MessyConfig } from './config';
import type { StoredMessage } from './messages';

export const INGEST_QUEUE = 'messy-ingest';
const BACKLOG_REFRESH_MS = 1_000;
const BACKLOG_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'paused', 'waiting-children'] as const;

export interface IngestJobData {
  messages: StoredMessage[];
}

export function ingestJobOptions(config: MessyConfig): JobsOptions {
  return {
    attempts: config.MESSY_JOB_ATTEMPTS,
    backoff: { type: 'exponential', delay: 500 },
    removeOnComplete: true,
    // The failed set is the dead-letter queue: never trimmed automatically.
    removeOnFail: false,
  };
}

/** The job id carries its message count, so the backlog is re-derived from job ids alone. */
function ingestJobId(count: number): string {
  return `m${count}-${randomUUID()}`;
}

function messagesInJobId(id: string): number {
  const match = /^m(\d+)-/.exec(id);
  return match ? Number(match[1]) : 0;
}

export function unavailable(message: string, retryAfterSeconds = 1): HttpError {
  return new HttpError(503, 'unavailable', message, null, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
}

/**
 * The write path's producer: concurrent messages join one group, one group is one BullMQ job, and a
 * submitter is answered only once Redis confirmed the add (plus `WAITAOF 1 0` when AOF is on, Redis ≥ 7.2).
 */
export function createIngestQueue(options: { queues: Queues; redis: Redis; config: MessyConfig; logger: Logger }) {
  const { queues, redis, config, logger } = options;
  const queue = queues.queue<IngestJobData>(INGEST_QUEUE);
  const jobOptions = ingestJobOptions(config);
  const backlog = createBacklogTracker(() => deriveBacklog(queue));
  let aofCheck: Promise<boolean> | undefined;

  const aofConfirmationNeeded = () => {
    aofCheck ??= detectWaitAof(redis).catch((error: unknown) => {
      aofCheck = undefined;
      throw error;
    });
    return aofCheck;
  };

  const committer = createGroupCommitter<StoredMessage>({
    windowMs: config.MESSY_COALESCE_MS,
    maxItems: config.MESSY_JOB_MAX_MESSAGES,
    timeoutMs: config.MESSY_ENQUEUE_TIMEOUT_MS,
    async commit(messages) {
      const needsAof = await aofConfirmationNeeded();
      await queue.add('ingest', { messages }, { ...jobOptions, jobId: ingestJobId(messages.length) });
      if (needsAof) {
        // WAITAOF covers every write this connection made so far, the add above included.
        const [local] = (await redis.call('WAITAOF', '1', '0', String(config.MESSY_ENQUEUE_TIMEOUT_MS))) as [number, number];
        if (local < 1) throw unavailable('Redis did not confirm the write to its append-only file');
      }
      backlog.added(messages.length);
    },
  });

  return {
    queue,
    backlog,
    /** Resolves once the messages are durably in Redis; 503 otherwise. */
    async enqueue(messages: StoredMessage[]): Promise<void> {
      try {
        await committer.submit(messages);
      } catch (error) {
        if (error instanceof HttpError && error.status === 503 && error.code === 'unavailable') throw error;
        logger.warn({ err: error }, 'messy: enqueue failed');
        throw unavailable('The message could not be stored durably; retry with the same Idempotency-Key');
      }
    },
    drain: () => committer.drain(),
  };
}

export type IngestQueue = ReturnType<typeof createIngestQueue>;

async function detectWaitAof(redis: Redis): Promise<boolean> {
  const info = await redis.info();
  const version = /redis_version:(\d+)\.(\d+)/.exec(info);
  const aofEnabled = /aof_enabled:1/.test(info);
  if (!version || !aofEnabled) return false;
  const [major, minor] = [Number(version[1]), Number(version[2])];
  return major > 7 || (major === 7 && minor >= 2);
}

async function deriveBacklog(queue: { getRanges(types: string[], start?: number, end?: number): Promise<string[]> }): Promise<number> {
  const ids = await queue.getRanges([...BACKLOG_STATES], 0, -1);
  return [...new Set(ids)].reduce((sum, id) => sum + messagesInJobId(id), 0);
}

/**
 * The number of accepted messages not yet persisted: re-derived from the queue at most every second
 * (lazily), plus what this process accepted since the derivation started.
 */
export function createBacklogTracker(derive: () => Promise<number>) {
  let derived = 0;
  let acceptedSince = 0;
  let derivedAt = 0;
  let inFlight: Promise<void> | undefined;

  const refresh = () => {
    inFlight ??= (async () => {
      const acceptedBefore = acceptedSince;
      try {
        derived = await derive();
        acceptedSince -= acceptedBefore;
        derivedAt = Date.now();
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };

  return {
    added(count: number) {
      acceptedSince += count;
    },
    /** The current estimate; starts a background re-derivation when the last one is over a second old. */
    current(): number {
      if (Date.now() - derivedAt > BACKLOG_REFRESH_MS) void refresh().catch(() => undefined);
      return derived + acceptedSince;
    },
    async fresh(): Promise<number> {
      await refresh();
      return derived + acceptedSince;
    },
  };
}
