/**
 * A gateway process with ROLE semantics (apps/gateway/src/main.ts's start-up sequence, without HTTP), for the
 * kill test: `node --import tsx test/worker-process.ts` with DATABASE_URL, REDIS_URL, REDIS_PREFIX and ROLE.
 * The module's workers get a short lock so that the job of a SIGKILLed process is redelivered within
 * seconds rather than the default 30 s (the kernel's WorkerSpec has no lock option yet).
 */
import { createPlatform, loadConfig } from '@platform/platform';
import { Worker } from 'bullmq';
import { createEyeModule } from '../src';

const config = loadConfig(process.env);
const platform = createPlatform(config);
const modules = platform.createModules([createEyeModule]);
await platform.migrate(modules);
for (const module of modules) await module.start?.();
const workers: Worker[] = [];
if (config.ROLE !== 'api') {
  for (const spec of modules.flatMap((module) => module.workers ?? [])) {
    const worker = new Worker(spec.queue, spec.processor, {
      connection: platform.redis.workerOptions,
      prefix: config.REDIS_PREFIX,
      concurrency: spec.concurrency ?? 1,
      lockDuration: 2_000,
      stalledInterval: 1_000,
    });
    worker.on('error', () => undefined);
    workers.push(worker);
  }
}
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void Promise.all(workers.map((worker) => worker.close()))
    .then(() => platform.close(modules))
    .then(() => process.exit(0));
});
