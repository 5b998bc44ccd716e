import type { Server } from 'node:http';
import type { DomainModule, Logger, Platform } from '@platform/platform';

/**
 * Graceful stop: refuse new connections, let in-flight requests finish (forcing connections closed after
 * `timeoutMs`), then close workers after their active jobs, Redis and the pool.
 */
export function createShutdown(options: {
  server: Server;
  platform: Platform;
  modules: DomainModule[];
  logger: Logger;
  timeoutMs: number;
}): () => Promise<void> {
  const { server, platform, modules, logger, timeoutMs } = options;
  let stopping: Promise<void> | undefined;
  const stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive connections become idle once their response is sent; close them as they do.
    const idleSweep = setInterval(() => server.closeIdleConnections(), 50);
    const deadline = setTimeout(() => {
      logger.warn('in-flight requests did not finish in time; closing their connections');
      server.closeAllConnections();
    }, timeoutMs);
    await closed;
    clearInterval(idleSweep);
    clearTimeout(deadline);
    await platform.close(modules);
  };
  return () => (stopping ??= stop());
}
