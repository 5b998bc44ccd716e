import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, createPlatform, loadConfig, operation, PUBLIC, type ModuleFactory } from '@platform/platform';
import { testContext, waitFor } from '@platform/platform/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp } from '../src/app';
import { createShutdown } from '../src/shutdown';

let slowRequestArrived = false;

const slowModule: ModuleFactory = () => ({
  name: 'slow',
  description: 'One slow request',
  operations: [
    operation({
      method: 'get',
      path: '/slow',
      summary: 'Answers after 600 ms',
      security: PUBLIC,
      responses: { 200: z.object({ finished: z.literal(true) }) },
      handler: async (_input, _req, res) => {
        slowRequestArrived = true;
        await new Promise((resolve) => setTimeout(resolve, 600));
        res.json({ finished: true });
      },
    }),
  ],
  migrations: {},
});

describe('graceful shutdown', () => {
  it('finishes an in-flight request, refuses new connections, then closes the platform', async () => {
    const context = testContext();
    const config = loadConfig({ DATABASE_URL: context.databaseUrl, REDIS_URL: context.redisUrl, REDIS_PREFIX: `${context.redisPrefix}:shutdown` });
    const logger = createLogger('silent');
    const platform = createPlatform(config, { logger });
    const modules = platform.createModules([slowModule]);
    await platform.migrate(modules);
    const server = await new Promise<Server>((resolve) => {
      const listening = createApp(platform, modules).listen(0, '127.0.0.1', () => resolve(listening));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const inFlight = fetch(`${base}/slow/slow`);
    await waitFor(() => slowRequestArrived, { what: 'the slow request to reach its handler' });
    const stopped = createShutdown({ server, platform, modules, logger, timeoutMs: 5_000 })();

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finished: true });
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    await stopped;
    await expect(platform.redis.client.ping()).rejects.toThrow();
    expect(platform.database.pool.totalCount).toBe(0);
  });
});
