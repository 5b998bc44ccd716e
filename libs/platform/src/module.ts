import type { ErrorRequestHandler, RequestHandler, Router } from 'express';
import type { Kysely } from 'kysely';
import type { Migration } from './migrations';
import type { Logger } from 'pino';
import type { PlatformConfig } from './config';
import type { Mailer } from './mail';
import type { Metrics } from './metrics';
import type { AnyOperation } from './operation';
import type { Queues, ScheduleSpec, WorkerSpec } from './queue';
import type { Redis } from './redis';

export interface DomainModule {
  /** `santa`: its URL prefix, Postgres schema, metric prefix, queue prefix and Redis key segment. */
  name: string;
  /** The module's tag description in the API reference. */
  description: string;
  /** The JSON API, one declaration per method and path (routing, validation, 405/Allow/OPTIONS, OpenAPI). */
  operations: AnyOperation[];
  /** OpenAPI security scheme objects by the names its operations use. */
  securitySchemes?: Record<string, Record<string, unknown>>;
  /** HTML pages, outside the JSON API. */
  pages?: Router;
  /** After the operations and pages: the module's own 404 and error rendering. */
  fallback?: (RequestHandler | ErrorRequestHandler)[];
  migrations: Record<string, Migration>;
  workers?: WorkerSpec[];
  schedules?: ScheduleSpec[];
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
