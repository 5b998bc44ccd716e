import type { Logger } from '@platform/platform';
import type { ResponseCache } from './cache';
import type { EventpostConfig } from './config';
import type { Delivery } from './delivery';
import type { EventpostMetrics } from './metrics';
import type { EventpostRepository } from './repository';

/** What the route handlers work with; built once per module instance. */
export interface EventpostContext {
  config: EventpostConfig;
  repository: EventpostRepository;
  cache: ResponseCache;
  delivery: Delivery;
  metrics: EventpostMetrics;
  logger: Logger;
}
