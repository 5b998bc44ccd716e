import { Counter, type Metrics } from '@platform/platform';

export interface EventpostMetrics {
  cacheRequests: Counter<'resource' | 'result'>;
  notifications: Counter<'status'>;
}

/** Created per module instance: each app (and each test app) has its own registry. */
export function createEventpostMetrics(metrics: Metrics): EventpostMetrics {
  return {
    cacheRequests: new Counter({
      name: 'eventpost_cache_requests_total',
      help: 'Response-cache lookups made to serve a GET, by resource and result',
      labelNames: ['resource', 'result'],
      registers: [metrics.registry],
    }),
    notifications: new Counter({
      name: 'eventpost_notifications_total',
      help: 'Notifications entering a status (create and re-arm count as scheduled)',
      labelNames: ['status'],
      registers: [metrics.registry],
    }),
  };
}
