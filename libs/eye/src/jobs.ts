import type { Job, WorkerSpec } from '@platform/platform';
import type { EyeMetrics } from './metrics';
import { PERSIST_QUEUE } from './pipeline';
import type { PersistJob } from './records';
import type { Repository } from './repository';

/** `eye.persist`: one job, one transaction; the job completes after the commit, and a redelivery inserts nothing twice. */
export function persistWorker(repository: Repository, metrics: EyeMetrics, concurrency: number): WorkerSpec<PersistJob> {
  return {
    queue: PERSIST_QUEUE,
    concurrency,
    async processor(job: Job<PersistJob>) {
      await repository.persistJob(job.data);
      const committedAt = Date.now();
      for (const receivedAt of job.data.events.received_at) metrics.observeLag(Math.max(0, committedAt - Date.parse(receivedAt)) / 1000);
    },
  };
}
