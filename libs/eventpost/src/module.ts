import { moduleDb, type DomainModule, type ModuleFactory } from '@platform/platform';
import { ResponseCache } from './cache';
import { loadEventpostConfig } from './config';
import type { EventpostContext } from './context';
import type { EventpostDb } from './db';
import { Delivery, NOTIFICATION_QUEUE } from './delivery';
import { createEventpostMetrics } from './metrics';
import { migrations } from './migrations';
import { eventpostOpenApi } from './openapi';
import { EventpostRepository } from './repository';
import { createRoutes } from './routes';

export const createEventpostModule: ModuleFactory = (deps): DomainModule => {
  const config = loadEventpostConfig(deps.config);
  const metrics = createEventpostMetrics(deps.metrics);
  const repository = new EventpostRepository(moduleDb<EventpostDb>(deps.db, 'eventpost'), deps.metrics);
  const cache = new ResponseCache(deps.redis, config.redisPrefix, config.cacheTtlSeconds, metrics.cacheRequests, deps.logger);
  const delivery = new Delivery(deps.queues, repository, cache, config, metrics, deps.logger);
  const ctx: EventpostContext = { config, repository, cache, delivery, metrics, logger: deps.logger };

  return {
    name: 'eventpost',
    router: createRoutes(ctx),
    migrations,
    workers: [{ queue: NOTIFICATION_QUEUE, processor: delivery.processor, concurrency: config.sendConcurrency }],
    schedules: [delivery.reconcileSchedule],
    openapi: eventpostOpenApi,
    async close() {
      cache.close();
      delivery.close();
    },
  };
};
