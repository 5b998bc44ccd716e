import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createEyeModule } from '@platform/eye';
import { createMessyModule } from '@platform/messy';
import { startTestApp, testContext, waitFor } from '@platform/platform/testing';
import { describe, expect, it } from 'vitest';
import { waitUntilPersisted } from './support/persisted';
import { FLOOD_MODULE_ENV, startWriteFlood } from './support/write-flood';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('SIGTERM during a write flood', () => {
  it('finishes in-flight requests, exits 0, and loses nothing it accepted', async () => {
    const context = testContext();
    const port = 30_000 + Math.floor(Math.random() * 5_000);
    const redisPrefix = `${context.redisPrefix}:sigterm`;
    const gateway = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: { ...process.env, ...FLOOD_MODULE_ENV, DATABASE_URL: context.databaseUrl, REDIS_URL: context.redisUrl, REDIS_PREFIX: redisPrefix, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => gateway.on('exit', resolve));
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/readyz`).then((r) => r.status, () => 0)) === 200, { timeoutMs: 90_000, what: 'gateway ready' });

    const flood = startWriteFlood(() => base, { connections: 16 });
    await waitFor(() => flood.result.accepted.eye.length > 100 && flood.result.accepted.messy.length > 100, { timeoutMs: 30_000, what: 'a running flood' });
    gateway.kill('SIGTERM');
    expect(await exited).toBe(0);
    const { accepted, refused } = await flood.stop();
    // After the listener closed, new connections fail (status 0); an answered request is never a 5xx.
    expect(refused.filter((answer) => answer.status !== 0)).toEqual([]);

    const drainer = await startTestApp({ modules: [createEyeModule, createMessyModule], env: FLOOD_MODULE_ENV, redisPrefix });
    try {
      const db = drainer.platform.deps.db;
      await waitUntilPersisted(db, accepted, 60_000);
    } finally {
      await drainer.close();
    }
  }, 240_000);
});
