export { ConfigError, DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, loadConfig, parseEnv, platformConfigSchema, type PlatformConfig } from './config';
export { createDatabase, dropDatabase, ensureDatabaseExists, isPgError, moduleDb, quoteIdentifier, type Database } from './db';
export { queryTemplate } from './query-template';
export { errorBody, HttpError, notFound, serviceUnavailable, type ErrorDetail } from './errors';
export { errorHandler, notFoundHandler, parseOrThrow, requestId, zodDetails, type ValidationDetail } from './http';
export { createLogger, redactUrl, type Logger } from './logger';
export { MAIL_QUEUE, type MailMessage, type Mailer, type MailOutboxTable } from './mail';
export {
  Counter,
  Gauge,
  Histogram,
  HTTP_DURATION_BUCKETS,
  httpMetricsMiddleware,
  Registry,
  timeDbOperation,
  UNMATCHED_ROUTE,
  type Metrics,
} from './metrics';
export { HistogramSeries, SeriesHistogram } from './series-histogram';
export { runMigrations, type Migration, type MigrationSet } from './migrations';
export { redisKey, type DomainModule, type ModuleFactory, type PlatformDeps } from './module';
export { operation, PUBLIC, type AnyOperation, type Operation, type OperationInput, type ResponseSpec, type Security } from './operation';
export { createPlatform, PLATFORM_SCHEMA, type Platform } from './platform';
export { DEFAULT_JOB_OPTIONS, type Job, type JobsOptions, type Queues, type ScheduleSpec, type WorkerSpec } from './queue';
export { deleteKeysWithPrefix, type Redis } from './redis';
export { isUnavailableError } from './unavailable';
export { createHttpApp, openApiDocument, type HttpAppOptions } from './app';
export { createGroupCommitter, type GroupCommitOptions, type GroupCommitter } from './group-commit';
export { answerClientErrors } from './client-errors';
export { unsupportedContentEncoding } from './request-errors';
