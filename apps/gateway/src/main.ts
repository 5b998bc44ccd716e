import type { Server } from 'node:http';
import { ConfigError, createLogger, createPlatform, loadConfig, type DomainModule, type Logger, type Platform } from '@platform/platform';
import { createApp } from './app';
import { moduleFactories } from './modules';
import { checkRedis, preparePostgres, PreflightError } from './preflight';

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
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  logger.info({ port: config.PORT, host: config.HOST, role: config.ROLE, modules: modules.map((m) => m.name) }, 'gateway listening');
  handleShutdown(server, platform, modules, logger, config.SHUTDOWN_TIMEOUT_MS);
}

/** SIGTERM/SIGINT: stop accepting, let in-flight requests finish (bounded), drain workers, close pools, exit 0. */
function handleShutdown(server: Server, platform: Platform, modules: DomainModule[], logger: Logger, timeoutMs: number): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive connections become idle once their response is sent; close them as they do.
    const idleSweep = setInterval(() => server.closeIdleConnections(), 50);
    const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
    await closed;
    clearInterval(idleSweep);
    clearTimeout(deadline);
    await platform.close(modules);
    logger.info('shutdown complete');
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void stop(signal));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof PreflightError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`gateway failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
