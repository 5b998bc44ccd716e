import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, startTestApp, testContext, waitFor, type TcpProxy, type TestApp } from '../src/testing';
import { createProbeModule } from './fixtures/probe-module';

describe('Postgres or Redis going away while running', () => {
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let app: TestApp;

  beforeAll(async () => {
    const { databaseUrl, redisUrl } = testContext();
    const database = new URL(databaseUrl);
    const redis = new URL(redisUrl);
    pgProxy = await startTcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
    redisProxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    database.port = String(pgProxy.port);
    redis.port = String(redisProxy.port);
    app = await startTestApp({
      modules: [createProbeModule],
      env: { DATABASE_URL: database.toString(), REDIS_URL: redis.toString() },
    });
  });
  afterAll(async () => {
    await app.close();
    await Promise.all([pgProxy.close(), redisProxy.close()]);
  });

  const ready = async () => (await app.request('/readyz')).status;

  it('Redis: /readyz turns 503, requests needing Redis get 503 + Retry-After, and both recover on their own', async () => {
    expect(await ready()).toBe(200);
    await redisProxy.cut();
    await waitFor(async () => (await ready()) === 503, { what: '/readyz 503' });
    const failed = await app.request('/probe/redis');
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('1');
    expect((await failed.json()).error.code).toBe('unavailable');
    expect((await app.request('/probe/db')).status).toBe(200);

    await redisProxy.restore();
    await waitFor(async () => (await ready()) === 200, { timeoutMs: 15_000, what: '/readyz 200 again' });
    expect((await app.request('/probe/redis')).status).toBe(200);
  });

  it('Postgres: /readyz turns 503, requests needing Postgres get 503 + Retry-After, and both recover on their own', async () => {
    expect(await ready()).toBe(200);
    await pgProxy.cut();
    await waitFor(async () => (await ready()) === 503, { what: '/readyz 503' });
    const failed = await app.request('/probe/db');
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('1');
    expect((await app.request('/probe/redis')).status).toBe(200);

    await pgProxy.restore();
    await waitFor(async () => (await ready()) === 200, { timeoutMs: 15_000, what: '/readyz 200 again' });
    expect((await app.request('/probe/db')).status).toBe(200);
  });
});
