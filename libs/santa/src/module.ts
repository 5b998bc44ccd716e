import { moduleDb, redisKey, requestErrors, type DomainModule, type ModuleFactory } from '@platform/platform';
import { Router } from 'express';
import { loadSantaConfig } from './config';
import type { SantaDb } from './db';
import { createEmails } from './emails';
import { createSantaMetrics } from './metrics';
import { idempotent } from './idempotency';
import { migrations } from './migrations';
import { santaOpenApi } from './openapi';

import { mountPages } from './pages';
import { mountApi } from './routes';
import { SantaService } from './service';

export const createSantaModule: ModuleFactory = (deps): DomainModule => {
  const config = loadSantaConfig(deps.config);
  const db = moduleDb<SantaDb>(deps.db, 'santa');
  const metrics = createSantaMetrics(deps.metrics);
  const emails = createEmails({ db, config, queues: deps.queues, metrics, logger: deps.logger });
  const service = new SantaService({
    db,
    config,
    emails,
    metrics,
    redis: deps.redis,
    key: (...parts) => redisKey(deps.config, 'santa', ...parts),
  });
  const router = Router();
  mountApi(router, service, idempotent(deps.redis, (slot) => redisKey(deps.config, 'santa', 'idempotency', slot)));
  mountPages(router, service);
  // Spec: a malformed id is 404.
  router.use(requestErrors({ undecodablePath: 'not_found' }));

  return {
    name: 'santa',
    router,
    migrations,
    workers: [emails.worker],
    schedules: [emails.schedule],
    openapi: santaOpenApi(),
    async close() {
      emails.close();
    },
  };
};
