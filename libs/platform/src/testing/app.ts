import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { createHttpApp } from '../app';
import { answerClientErrors } from '../client-errors';
import { loadConfig } from '../config';
import type { Logger } from '../logger';
import type { DomainModule, ModuleFactory } from '../module';
import { createPlatform, type Platform } from '../platform';
import { testContext } from './context';

export interface TestAppOptions {
  modules?: ModuleFactory[];
  /** Extra environment (module variables, SMTP_URL from an SMTP sink, ...). */
  env?: Record<string, string>;
  /** Start the workers and job schedulers too (default true), as ROLE=all does. */
  workers?: boolean;
  /** Share Redis state with another app of the same test (two gateway processes); default: a fresh prefix. */
  redisPrefix?: string;
  /** Capture the platform's logs (default: silent unless TEST_LOG_LEVEL is set). */
  logger?: Logger;
}

export interface TestApp {
  baseUrl: string;
  app: Express;
  platform: Platform;
  modules: DomainModule[];
  redisPrefix: string;
  /** `fetch` against this app: `request('/santa/groups', { method: 'POST', json: {...} })`. */
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/** Builds the platform on the run's own database and Redis prefix, migrates, and listens on a free port. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const context = testContext();
  const redisPrefix = options.redisPrefix ?? `${context.redisPrefix}:${randomBytes(3).toString('hex')}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: context.databaseUrl,
    DATABASE_POOL_MAX: '10',
    REDIS_URL: context.redisUrl,
    REDIS_PREFIX: redisPrefix,
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...options.env,
  });
  const platform = createPlatform(config, options.logger ? { logger: options.logger } : {});
  const modules = platform.createModules(options.modules ?? []);
  await platform.migrate(modules);
  for (const module of modules) await module.start?.();
  if (options.workers !== false) await platform.startWorkers(modules);
  const app = createHttpApp(platform, modules);
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    answerClientErrors(listening);
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl,
    app,
    platform,
    modules,
    redisPrefix,
    request(path, init = {}) {
      const { json, ...rest } = init;
      if (json === undefined) return fetch(baseUrl + path, rest);
      const headers = new Headers(rest.headers);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      return fetch(baseUrl + path, { method: 'POST', ...rest, headers, body: JSON.stringify(json) });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await platform.close(modules);
    },
  };
}
