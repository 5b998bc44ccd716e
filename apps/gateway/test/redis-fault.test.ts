import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEyeModule } from '@platform/eye';
import { createMessyModule } from '@platform/messy';
import { startTestApp, waitFor, type TestApp } from '@platform/platform/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { waitUntilPersisted } from './support/persisted';
import { FLOOD_MODULE_ENV, startWriteFlood } from './support/write-flood';

const port = 26_000 + Math.floor(Math.random() * 2_000);
const dir = mkdtempSync(join(tmpdir(), 'redis-fault-'));

function startRedis(): Promise<ChildProcess> {
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--maxmemory-policy', 'noeviction'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((resolve) => redis.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('Ready to accept connections') && resolve(redis)));
}

describe('Redis dies under write load and comes back (AOF)', () => {
  let app: TestApp | undefined;
  let redis: ChildProcess | undefined;
  afterAll(async () => {
    await app?.close();
    redis?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 + Retry-After while down, recovers without a restart, and loses no 2xx write', async () => {
    redis = await startRedis();
    app = await startTestApp({ modules: [createEyeModule, createMessyModule], env: { ...FLOOD_MODULE_ENV, REDIS_URL: `redis://127.0.0.1:${port}` } });
    const flood = startWriteFlood(() => app!.baseUrl);
    await waitFor(() => flood.result.accepted.eye.length > 50 && flood.result.accepted.messy.length > 50, { timeoutMs: 30_000, what: 'writes before the fault' });

    redis.kill('SIGKILL');
    await waitFor(() => flood.result.refused.length > 20, { timeoutMs: 20_000, what: 'refused writes while Redis is down' });
    expect((await app.request('/readyz')).status).toBe(503);
    redis = await startRedis();
    const acceptedAtRestart = flood.result.accepted.eye.length + flood.result.accepted.messy.length;
    await waitFor(() => flood.result.accepted.eye.length + flood.result.accepted.messy.length > acceptedAtRestart + 100, {
      timeoutMs: 30_000,
      what: 'writes accepted again after Redis returned',
    });
    const { accepted, refused } = await flood.stop();

    expect(refused.every((answer) => answer.status === 503 && Number(answer.retryAfter) >= 1)).toBe(true);
    await waitFor(async () => (await app!.request('/readyz')).status === 200, { what: 'readiness again' });
    const db = app.platform.deps.db;
    await waitUntilPersisted(db, accepted, 60_000);
  }, 180_000);
});
