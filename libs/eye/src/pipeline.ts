import { createGroupCommitter, redisKey, type JobsOptions, type PlatformDeps } from '@platform/platform';
import { unavailable } from './http-errors';
import type { EyeConfig } from './config';
import type { DedupClaims } from './dedup';
import { toColumns, type PersistJob, type QueuedError, type QueuedEvent } from './records';

export const PERSIST_QUEUE = 'eye.persist';
const DEPTH_CACHE_MS = 20;
const COMMIT_TIMEOUT_MS = 5_000;

/** Persist jobs retry for minutes (a Postgres outage must not lose a 2xx), then stay in the failed set. */
const PERSIST_JOB_OPTIONS: JobsOptions = {
  attempts: 15,
  backoff: { type: 'exponential', delay: 250 },
  removeOnComplete: { age: 600, count: 1_000 },
  removeOnFail: false,
};

export type Write = { event: Omit<QueuedEvent, 'seq'> } | { error: QueuedError };

/**
 * The durable half of the request path: concurrent requests' events share one BullMQ job, numbered by one
 * `INCRBY` per group (arrival order), and each request is answered only after Redis holds that job.
 */
export function createPersistPipeline(deps: PlatformDeps, config: EyeConfig, claims: DedupClaims) {
  const queue = deps.queues.queue<PersistJob>(PERSIST_QUEUE);
  const seqKey = redisKey(deps.config, 'eye', 'seq');
  let depth: { value: number; at: number } | undefined;
  let depthLoading: Promise<number> | undefined;

  const committer = createGroupCommitter<Write>({
    windowMs: config.commitWindowMs,
    maxItems: config.commitMaxEvents,
    timeoutMs: COMMIT_TIMEOUT_MS,
    async commit(writes) {
      const events: QueuedEvent[] = [];
      const errors: QueuedError[] = [];
      for (const write of writes) if ('error' in write) errors.push(write.error);
      const pending = writes.filter((write): write is { event: Omit<QueuedEvent, 'seq'> } => 'event' in write);
      if (pending.length) {
        const last = await deps.redis.incrby(seqKey, pending.length);
        const first = last - pending.length + 1;
        pending.forEach((write, offset) => events.push({ ...write.event, seq: first + offset }));
      }
      await queue.add('persist', { events: toColumns(events), errors }, PERSIST_JOB_OPTIONS);
      // Best effort: a claim left pending lapses, and Postgres' unique key still stores the event once.
      await claims.markCommitted(events.map((event) => claims.keyOf(event.application, event.dedup_key))).catch(() => undefined);
    },
  });

  const waitingJobs = (): Promise<number> => {
    if (depth && Date.now() - depth.at < DEPTH_CACHE_MS) return Promise.resolve(depth.value);
    depthLoading ??= queue
      .getJobCountByTypes('waiting', 'prioritized', 'delayed')
      .then((value) => {
        depth = { value, at: Date.now() };
        return value;
      })
      .finally(() => {
        depthLoading = undefined;
      });
    return depthLoading;
  };

  return {
    /** 503 + Retry-After while more than EYE_MAX_QUEUE_DEPTH jobs wait, or when Redis does not answer. */
    async checkBackpressure(): Promise<void> {
      let waiting: number;
      try {
        waiting = await waitingJobs();
      } catch {
        throw unavailable('The event queue is unavailable; retry', 1);
      }
      if (waiting > config.maxQueueDepth) throw unavailable('The event queue is full; retry later', 2, { waiting_jobs: waiting });
    },

    /** Resolves once Redis holds the job with these writes; rejects (503) otherwise. */
    async submit(writes: Write[]): Promise<void> {
      if (!writes.length) return;
      try {
        await committer.submit(writes);
      } catch {
        throw unavailable('The event queue did not confirm the write; retry', 1);
      }
    },

    nextSeq(): Promise<number> {
      return deps.redis.incr(seqKey);
    },

    drain: () => committer.drain(),
  };
}

export type PersistPipeline = ReturnType<typeof createPersistPipeline>;
