import { sql } from 'kysely';
import type { PlatformConfig } from './config';
import { createDatabase, type Database } from './db';
import { createLogger, type Logger } from './logger';
import { createMailer, mailMigrations, type Mailer } from './mail';
import { createMetrics, registerPoolMetrics, type Metrics } from './metrics';
import { runMigrations } from './migrations';
import type { DomainModule, ModuleFactory, PlatformDeps } from './module';
import { createQueues, type Queues } from './queue';
import { createRedisConnections, type RedisConnections } from './redis';

/** The kernel's own tables (the mail outbox) live in schema `platform`, migrated before any module. */
export const PLATFORM_SCHEMA = 'platform';

export interface Platform {
  deps: PlatformDeps;
  database: Database;
  redis: RedisConnections;
  /** Builds the modules from their factories (the gateway's list). */
  createModules(factories: ModuleFactory[]): DomainModule[];
  migrate(modules: DomainModule[]): Promise<void>;
  /** Starts workers and job schedulers of the platform and the given modules (ROLE all|worker). */
  startWorkers(modules: DomainModule[]): Promise<void>;
  readiness(): Promise<{ ok: boolean; checks: Record<string, string> }>;
  close(modules: DomainModule[]): Promise<void>;
}

export function createPlatform(config: PlatformConfig, options: { logger?: Logger; metrics?: Metrics } = {}): Platform {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const metrics = options.metrics ?? createMetrics();
  const database = createDatabase(config.DATABASE_URL, { max: config.DATABASE_POOL_MAX });
  registerPoolMetrics(metrics, database.pool);
  const redis = createRedisConnections(config.REDIS_URL);
  const queues: Queues = createQueues({ connections: redis, prefix: config.REDIS_PREFIX, metrics, logger });
  const mailer: Mailer = createMailer({
    smtpUrl: config.SMTP_URL,
    from: config.MAIL_FROM,
    db: database.db,
    queues,
    logger,
  });
  const deps: PlatformDeps = { config, db: database.db, redis: redis.client, queues, metrics, mailer, logger };
  let migrated = false;

  return {
    deps,
    database,
    redis,
    createModules: (factories) => factories.map((factory) => factory(deps)),
    async migrate(modules) {
      await runMigrations(database.db, [
        { name: PLATFORM_SCHEMA, migrations: mailMigrations },
        ...modules.map(({ name, migrations }) => ({ name, migrations })),
      ]);
      migrated = true;
    },
    async startWorkers(modules) {
      for (const spec of [mailer.worker, ...modules.flatMap((m) => m.workers ?? [])]) queues.startWorker(spec);
      for (const spec of [...mailer.schedules, ...modules.flatMap((m) => m.schedules ?? [])]) await queues.upsertSchedule(spec);
    },
    async readiness() {
      const [postgres, redisCheck] = await Promise.all([
        withTimeout(sql`SELECT 1`.execute(database.db), 1_000),
        withTimeout(redis.client.ping(), 1_000),
      ]);
      const checks = { postgres, redis: redisCheck, migrations: migrated ? 'ok' : 'pending' };
      return { ok: Object.values(checks).every((value) => value === 'ok'), checks };
    },
    async close(modules) {
      await queues.close(config.SHUTDOWN_TIMEOUT_MS);
      for (const module of modules) await module.close?.();
      mailer.close();
      await redis.close();
      await database.close();
    },
  };
}

async function withTimeout(work: Promise<unknown>, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([work.then(() => 'ok').catch((error: Error) => `error: ${error.message}`), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
