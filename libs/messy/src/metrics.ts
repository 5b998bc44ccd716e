import { Counter, Gauge, Histogram, type Metrics } from '@platform/platform';

export const MESSAGE_OUTCOMES = ['accepted', 'rejected', 'persisted', 'duplicate'] as const;
export type MessageOutcome = (typeof MESSAGE_OUTCOMES)[number];
export const SNAPSHOT_TRIGGERS = ['scheduled', 'refresh', 'first_request'] as const;
export type SnapshotTrigger = (typeof SNAPSHOT_TRIGGERS)[number];

export interface MessyMetrics {
  messages: Counter<'outcome'>;
  batchSize: Histogram;
  snapshots: Counter<'trigger'>;
}

/** Readers behind the gauges, read at scrape time. */
export interface GaugeSources {
  backlog(): Promise<number>;
  statsAgeSeconds(): Promise<number>;
  drift(): Promise<number>;
  deadLetterJobs(): Promise<number>;
}

export function createMessyMetrics(metrics: Metrics, sources: GaugeSources): MessyMetrics {
  const registers = [metrics.registry];
  const messages = new Counter({
    name: 'messy_messages_total',
    help: 'Messages by outcome: accepted (new, replays excluded), rejected (4xx), persisted (rows inserted), duplicate (skipped by ON CONFLICT)',
    labelNames: ['outcome'],
    registers,
  });
  for (const outcome of MESSAGE_OUTCOMES) messages.inc({ outcome }, 0);
  const snapshots = new Counter({
    name: 'messy_stats_snapshots_total',
    help: 'Statistics snapshots built by this process, by trigger: scheduled (job scheduler), refresh (admin endpoint), first_request (none existed yet)',
    labelNames: ['trigger'],
    registers,
  });
  for (const trigger of SNAPSHOT_TRIGGERS) snapshots.inc({ trigger }, 0);
  const gauge = (name: string, help: string, read: () => Promise<number>) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        this.set(await read().catch(() => Number.NaN));
      },
    });
  gauge('messy_backlog', 'Accepted messages not yet persisted', sources.backlog);
  gauge('messy_stats_age_seconds', 'Seconds since the served statistics snapshot was generated', sources.statsAgeSeconds);
  gauge('messy_stats_drift', 'Drift found by the last recount (sum of absolute counter differences)', sources.drift);
  gauge('messy_dead_letter_jobs', 'Ingest jobs out of attempts, kept in the failed set', sources.deadLetterJobs);
  return {
    messages,
    batchSize: new Histogram({
      name: 'messy_batch_size',
      help: 'Messages per worker transaction',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers,
    }),
    snapshots,
  };
}
