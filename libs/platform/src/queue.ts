import { Queue, Worker, type Job, type JobsOptions, type Processor, type WorkerOptions } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import type { Logger } from 'pino';
import { Counter, Gauge, type Metrics } from './metrics';
import type { RedisConnections } from './redis';

export type { Job, JobsOptions, Processor, Queue, Worker };

export interface WorkerSpec<Data = any, Result = any> {
  /** Queue name, `<module>.<job>`. */
  queue: string;
  processor: Processor<Data, Result>;
  concurrency?: number;
  /** How fast a killed worker's job is redelivered (lock and stall check) and how often it may stall. */
  lock?: Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount'>;
}

export interface ScheduleSpec {
  queue: string;
  /** Stable id: upserting it again (another replica, a restart) replaces rather than duplicates. */
  id: string;
  everyMs: number;
  jobName: string;
  data?: unknown;
}

/** Retries with backoff; bounded retention so Redis does not grow with history. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 3_600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3_600 },
};

export interface Queues {
  readonly prefix: string;
  /** The one producer `Queue` for `name`, created on first use. */
  queue<Data = any>(name: string): Queue<Data>;
  startWorker(spec: WorkerSpec): Worker;
  upsertSchedule(spec: ScheduleSpec): Promise<void>;
  /** Stops taking jobs, lets active ones finish (up to `deadlineMs`, then force-closes), closes queues. */
  close(deadlineMs: number): Promise<void>;
}

export function createQueues(options: {
  connections: RedisConnections;
  prefix: string;
  metrics: Metrics;
  logger: Logger;
}): Queues {
  const { connections, prefix, metrics, logger } = options;
  const queues = new Map<string, Queue>();
  const workers: Worker[] = [];
  // BullMQ's own spans (`add <queue>.<job>`, `addBulk <queue>`, `process <queue>`): each job carries the trace
  // context of its add, and the worker processes it in that trace. With no SDK started, @opentelemetry/api makes
  // them non-recording spans and the carried context an empty `{}`.
  const telemetry = new BullMQOtel({ tracerName: 'bullmq' });
  const jobsTotal = new Counter({
    name: 'queue_jobs_total',
    help: 'Jobs processed by this process, by queue and outcome (completed, retried, failed)',
    labelNames: ['queue', 'status'],
    registers: [metrics.registry],
  });
  const countGauge = (name: string, help: string, count: (queue: Queue) => Promise<number>) =>
    new Gauge({
      name,
      help,
      labelNames: ['queue'],
      registers: [metrics.registry],
      async collect() {
        this.reset();
        await Promise.all(
          [...queues.values()].map(async (queue) => {
            this.set({ queue: queue.name }, await count(queue).catch(() => Number.NaN));
          }),
        );
      },
    });
  countGauge('queue_waiting_jobs', 'Jobs waiting (or delayed) in each queue', (queue) =>
    queue.getJobCountByTypes('waiting', 'prioritized', 'delayed'),
  );
  countGauge('queue_failed_jobs', 'Jobs in the failed set of each queue (retries exhausted)', (queue) =>
    queue.getFailedCount(),
  );

  const queue = <Data>(name: string): Queue<Data> => {
    let existing = queues.get(name);
    if (!existing) {
      existing = new Queue(name, { connection: connections.client, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS, telemetry });
      existing.on('error', (error) => logger.warn({ err: error, queue: name }, 'queue error'));
      queues.set(name, existing);
    }
    return existing as unknown as Queue<Data>;
  };

  return {
    prefix,
    queue,
    startWorker(spec) {
      queue(spec.queue); // so the depth gauges see it
      const worker = new Worker(spec.queue, spec.processor, {
        connection: connections.workerOptions,
        prefix,
        concurrency: spec.concurrency ?? 1,
        telemetry,
        ...spec.lock,
      });
      worker.on('completed', () => jobsTotal.inc({ queue: spec.queue, status: 'completed' }));
      worker.on('failed', (job, error) => {
        const willRetry = job !== undefined && job.attemptsMade < (job.opts.attempts ?? 1);
        jobsTotal.inc({ queue: spec.queue, status: willRetry ? 'retried' : 'failed' });
        logger.warn({ err: error, queue: spec.queue, jobId: job?.id, willRetry }, 'job failed');
      });
      worker.on('error', (error) => logger.warn({ err: error, queue: spec.queue }, 'worker error'));
      workers.push(worker);
      return worker;
    },
    async upsertSchedule(spec) {
      await queue(spec.queue).upsertJobScheduler(spec.id, { every: spec.everyMs }, { name: spec.jobName, data: spec.data ?? {} });
    },
    async close(deadlineMs) {
      await Promise.all(workers.map((worker) => closeWorker(worker, deadlineMs, logger)));
      await Promise.all([...queues.values()].map((q) => q.close().catch(() => undefined)));
    },
  };
}

async function closeWorker(worker: Worker, deadlineMs: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), deadlineMs);
  });
  const outcome = await Promise.race([worker.close().then(() => 'closed' as const), deadline]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    logger.warn({ queue: worker.name }, 'worker did not finish its active jobs in time; forcing close');
    await worker.close(true).catch(() => undefined);
  }
}
