import type { Router } from 'express';
import type { Kysely, Migration } from 'kysely';
import type { Logger } from 'pino';
import type { PlatformConfig } from './config';
import type { Mailer } from './mail';
import type { Metrics } from './metrics';
import type { OpenApiPaths } from './openapi';
import type { Queues, ScheduleSpec, WorkerSpec } from './queue';
import type { Redis } from './redis';

export interface DomainModule {
  /** `santa`: its URL prefix, Postgres schema, metric prefix, queue prefix and Redis key segment. */
  name: string;
  router: Router;
  migrations: Record<string, Migration>;
  workers?: WorkerSpec[];
  schedules?: ScheduleSpec[];
  openapi?: OpenApiPaths;
  /** The document's `components.securitySchemes` this module's operations name in their `security`. */
  securitySchemes?: Record<string, Record<string, unknown>>;
  /** false silences the platform's HTTP metrics for this module (overhead benchmarks). */
  httpMetrics?: boolean;
  /** Runs after migrations, before the gateway listens (seed data, bootstrap accounts). */
  start?(): Promise<void>;
  close?(): Promise<void>;
}

export interface PlatformDeps {
  config: PlatformConfig;
  db: Kysely<any>;
  /** Fails fast while Redis is down (answer 503); keys must live under `redisKey(module, ...)`. */
  redis: Redis;
  queues: Queues;
  metrics: Metrics;
  mailer: Mailer;
  logger: Logger;
}

export type ModuleFactory = (deps: PlatformDeps) => DomainModule;

/** `<REDIS_PREFIX>:<module>:<parts>` — the only shape of Redis key a module may use. */
export function redisKey(config: Pick<PlatformConfig, 'REDIS_PREFIX'>, module: string, ...parts: (string | number)[]): string {
  return [config.REDIS_PREFIX, module, ...parts].join(':');
}
