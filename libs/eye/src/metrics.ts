import { Counter, Histogram, type Metrics } from '@platform/platform';

type Outcome = 'accepted' | 'duplicate' | 'rejected';

/** The module's own metrics, registered on the app's one registry when the module is built. */
export function createEyeMetrics(metrics: Metrics) {
  const ingested = new Counter({
    name: 'eye_events_ingested_total',
    help: 'Events per ingest outcome and application (a whole-request rejection counts one)',
    labelNames: ['application', 'outcome'],
    registers: [metrics.registry],
  });
  const batchSize = new Histogram({
    name: 'eye_ingest_batch_size',
    help: 'Items per authenticated, parsed ingest request',
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
    registers: [metrics.registry],
  });
  const persistLag = new Histogram({
    name: 'eye_persist_lag_seconds',
    help: 'Time from an event being received to its commit in Postgres',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [metrics.registry],
  });
  return {
    count(application: string, outcome: Outcome, by = 1) {
      if (by > 0) ingested.inc({ application, outcome }, by);
    },
    observeBatch(items: number) {
      batchSize.observe(items);
    },
    observeLag(seconds: number) {
      persistLag.observe(seconds);
    },
  };
}

export type EyeMetrics = ReturnType<typeof createEyeMetrics>;
