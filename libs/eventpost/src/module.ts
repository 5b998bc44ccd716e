import { moduleDb, type DomainModule, type ModuleFactory } from '@platform/platform';
import { ResponseCache } from './cache';
import { loadEventpostConfig } from './config';
import type { EventpostContext } from './context';
import type { EventpostDb } from './db';
import { Delivery, NOTIFICATION_QUEUE } from './delivery';
import { createEventpostMetrics } from './metrics';
import { migrations } from './migrations';
import { EventpostRepository } from './repository';
import { eventpostOperations } from './operations';
import { errorResponder, unknownPath } from './wire';

export const createEventpostModule: ModuleFactory = (deps): DomainModule => {
  const config = loadEventpostConfig(deps.config);
  const metrics = createEventpostMetrics(deps.metrics);
  const repository = new EventpostRepository(moduleDb<EventpostDb>(deps.db, 'eventpost'), deps.metrics);
  const cache = new ResponseCache(deps.redis, config.redisPrefix, config.cacheTtlSeconds, metrics.cacheRequests, deps.logger);
  const delivery = new Delivery(deps.queues, repository, cache, config, metrics, deps.logger);
  const ctx: EventpostContext = { config, repository, cache, delivery, metrics, logger: deps.logger };

  return {
    name: 'eventpost',
    description: 'Events with iCalendar feeds and scheduled e-mail notifications, with ETags, If-Match and cached lists',
    operations: eventpostOperations(ctx),
    // The module answers its own 404 and errors: seed clients compare `Content-Type` literally.
    fallback: [unknownPath, errorResponder()],
    migrations,
    workers: [{ queue: NOTIFICATION_QUEUE, processor: delivery.processor, concurrency: config.sendConcurrency }],
    schedules: [delivery.reconcileSchedule],
    async close() {
      cache.close();
      delivery.close();
    },
  };
};
