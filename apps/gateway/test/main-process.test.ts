import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testContext, waitFor } from '@platform/platform/testing';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

function startGateway(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'info', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('gateway process', () => {
  it('a bad configuration value stops it with one line naming the variable', async () => {
    const gateway = startGateway({ PORT: 'eighty' });
    expect(await gateway.exited).toBe(1);
    const lines = gateway.output().stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid configuration: PORT: /);
  }, 120_000);

  it('without Redis it stops with one line saying how to get one', async () => {
    const gateway = startGateway({ DATABASE_URL: testContext().databaseUrl, REDIS_URL: 'redis://127.0.0.1:1' });
    expect(await gateway.exited).toBe(1);
    const lines = gateway.output().stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Redis is not reachable at redis:\/\/127\.0\.0\.1:1.*apt-get install redis-server.*REDIS_URL/);
  }, 120_000);

  it('starts, becomes ready, and exits 0 on SIGTERM', async () => {
    const context = testContext();
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const gateway = startGateway({
      DATABASE_URL: context.databaseUrl,
      REDIS_URL: context.redisUrl,
      REDIS_PREFIX: `${context.redisPrefix}:main`,
      PORT: String(port),
    });
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status).catch(() => 0)) === 200,
      { timeoutMs: 90_000, what: 'the gateway to be ready' },
    );
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    expect(gateway.output().stdout).toContain('shutdown complete');
  }, 120_000);
});
