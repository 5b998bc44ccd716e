import { trace } from '@opentelemetry/api';
import { answerClientErrors, ConfigError, createLogger, createPlatform, loadConfig } from '@platform/platform';
import { createApp } from './app';
import { moduleFactories } from './modules';
import { checkRedis, preparePostgres, PreflightError } from './preflight';
import { createShutdown } from './shutdown';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  await Promise.all([preparePostgres(config.DATABASE_URL), checkRedis(config.REDIS_URL)]);
  const platform = createPlatform(config, { logger });
  const modules = platform.createModules(moduleFactories);
  await platform.migrate(modules);
  for (const module of modules) await module.start?.();
  if (config.ROLE !== 'api') await platform.startWorkers(modules);

  const app = createApp(platform, modules, { serveModules: config.ROLE !== 'worker' });
  const server = app.listen(config.PORT, config.HOST);
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  logger.info({ port: config.PORT, host: config.HOST, role: config.ROLE, modules: modules.map((m) => m.name) }, 'gateway listening');
  const shutdown = createShutdown({ server, platform, modules, logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      shutdown()
        .then(flushTraces)
        .then(
          () => {
            logger.info('shutdown complete');
            process.exit(0);
          },
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
    });
  }
}

/** Spans still waiting in the batch processor are exported before the process exits; nothing to do with tracing off. */
async function flushTraces(): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?(): { forceFlush?(): Promise<void> } };
  await provider.getDelegate?.().forceFlush?.();
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof PreflightError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`gateway failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
