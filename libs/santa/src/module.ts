import { moduleDb, redisKey, type DomainModule, type ModuleFactory } from '@platform/platform';
import { Router } from 'express';
import { loadSantaConfig } from './config';
import type { SantaDb } from './db';
import { createEmails } from './emails';
import { createSantaMetrics } from './metrics';
import { idempotent } from './idempotency';
import { migrations } from './migrations';
import { santaOperations, santaSecuritySchemes } from './operations';
import { mountPages } from './pages';
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
  const pages = Router();
  mountPages(pages, service);

  return {
    name: 'santa',
    description: 'Secret Santa groups with a verifiable draw: capability tokens, wishlists, anonymous messages and e-mails',
    operations: santaOperations(service, idempotent(deps.redis, (slot) => redisKey(deps.config, 'santa', 'idempotency', slot))),
    securitySchemes: santaSecuritySchemes,
    pages,
    migrations,
    workers: [emails.worker],
    schedules: [emails.schedule],
    async close() {
      emails.close();
    },
  };
};
