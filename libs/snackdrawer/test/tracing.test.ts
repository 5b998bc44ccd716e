import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startOtlpReceiver, testContext, waitFor, type OtlpReceiver } from '@platform/platform/testing';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from './helpers';

const INSTRUMENT = fileURLToPath(new URL('../../../apps/gateway/src/instrument.ts', import.meta.url));
const ENTRY = fileURLToPath(new URL('./fixtures/traced-gateway.ts', import.meta.url));
const SERVER_KIND = 2;
const STATUS_ERROR = 2;

/** The gateway ships as an esbuild bundle started with its preload (a bundle of its own): build both like it. */
async function bundleGateway(): Promise<string[]> {
  const dir = fileURLToPath(new URL('../node_modules/.snackdrawer-trace/', import.meta.url));
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const { dependencies } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { dependencies: Record<string, string> };
  await build({
    absWorkingDir: root,
    entryPoints: { main: ENTRY, instrument: INSTRUMENT },
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    external: Object.keys(dependencies),
    logLevel: 'error',
  });
  return ['--import', `${dir}instrument.mjs`, `${dir}main.mjs`];
}

describe.each([
  ['from source, with the preload', async () => ['--import', 'tsx', '--import', INSTRUMENT, ENTRY]],
  ['as an esbuild bundle, with the bundled preload', bundleGateway],
])('tracing (%s)', (_label, command) => {
  let receiver: OtlpReceiver;
  let child: ChildProcess;
  let baseUrl: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const context = testContext();
    child = spawn(process.execPath, await command(), {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: context.databaseUrl,
        DATABASE_POOL_MAX: '4',
        REDIS_URL: context.redisUrl,
        REDIS_PREFIX: `${context.redisPrefix}:tracing`,
        SNACKDRAWER_SCRYPT_LOG2N: '14',
        SNACKDRAWER_BOOTSTRAP_ADMIN: 'trace-admin:admin password',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_SERVICE_NAME: 'snackdrawer-trace-test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      let stdout = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = /\{"port":(\d+)\}/.exec(stdout);
        if (line) resolve(Number(line[1]));
      });
      child.once('exit', (code) => reject(new Error(`traced gateway exited with ${code}: ${stderr}`)));
    });
    baseUrl = `http://127.0.0.1:${port}`;
  }, 60_000);

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await receiver.close();
  });

  const post = (path: string, json: unknown, headers: Record<string, string> = {}) =>
    fetch(baseUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(json) });

  it('puts the express, pg and snackdrawer.auth.validate spans of one authenticated GET /drawers in one trace', async () => {
    const username = uniqueName('traced');
    expect((await post('/snackdrawer/auth/users', { username, password: 'password 123' })).status).toBe(201);
    const login = await post('/snackdrawer/auth/login', { username, password: 'password 123' });
    const { token } = (await login.json()) as { token: string };
    const response = await fetch(`${baseUrl}/snackdrawer/drawers`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);

    const server = await waitFor(
      () => receiver.spans.find((s) => s.kind === SERVER_KIND && s.attributes['http.route'] === '/snackdrawer/drawers' && s.attributes['http.method'] === 'GET') ??
        receiver.spans.find((s) => s.kind === SERVER_KIND && /GET \/snackdrawer\/drawers/.test(s.name)),
      { timeoutMs: 15_000, what: 'the server span of GET /snackdrawer/drawers' },
    );
    const trace = await waitFor(
      () => {
        const spans = receiver.spans.filter((s) => s.traceId === server.traceId);
        const complete =
          spans.some((s) => s.scope.includes('instrumentation-express')) &&
          spans.some((s) => s.scope.includes('instrumentation-pg')) &&
          spans.some((s) => s.name === 'snackdrawer.auth.validate');
        return complete && spans;
      },
      { timeoutMs: 15_000, what: 'express, pg and auth spans in the same trace' },
    );
    const validate = trace.find((s) => s.name === 'snackdrawer.auth.validate')!;
    expect(validate.attributes['snackdrawer.outcome']).toBe('ok');
    expect(validate.service).toBe('snackdrawer-trace-test');
    expect(trace.find((s) => s.scope.includes('instrumentation-pg'))!.name).toMatch(/SELECT|pg/);
    expect(receiver.spans.some((s) => s.scope.includes('instrumentation-ioredis'))).toBe(true);
    expect(server.status?.code ?? 0).not.toBe(STATUS_ERROR);
  });

  it('marks a 5xx server span as an error with a fault.injected event, and a 4xx not', async () => {
    const login = await post('/snackdrawer/auth/login', { username: 'trace-admin', password: 'admin password' });
    const { token } = (await login.json()) as { token: string };
    const admin = { authorization: `Bearer ${token}` };
    const put = await fetch(`${baseUrl}/snackdrawer/admin/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...admin },
      body: JSON.stringify({ routes: [{ method: 'GET', route: '/snacks/:id', error_rate: 1 }] }),
    });
    expect(put.status).toBe(200);
    expect((await fetch(`${baseUrl}/snackdrawer/snacks/1`)).status).toBe(503);
    expect((await fetch(`${baseUrl}/snackdrawer/auth/me`)).status).toBe(401);
    const failed = await waitFor(
      () => receiver.spans.find((s) => s.kind === SERVER_KIND && s.attributes['http.status_code'] === 503) ??
        receiver.spans.find((s) => s.kind === SERVER_KIND && s.attributes['http.response.status_code'] === 503),
      { timeoutMs: 15_000, what: 'the 503 server span' },
    );
    expect(failed.status?.code).toBe(STATUS_ERROR);
    const faultEvents = await waitFor(
      () => {
        const events = receiver.spans.filter((s) => s.traceId === failed.traceId).flatMap((s) => s.events ?? []);
        return events.some((e) => e.name === 'fault.injected') && events;
      },
      { timeoutMs: 15_000, what: 'a fault.injected event in the failed trace' },
    );
    expect(faultEvents.filter((e) => e.name === 'fault.injected')).toHaveLength(1);
    const refused = await waitFor(
      () => receiver.spans.find((s) => s.kind === SERVER_KIND && [s.attributes['http.status_code'], s.attributes['http.response.status_code']].includes(401)),
      { timeoutMs: 15_000, what: 'the 401 server span' },
    );
    expect(refused.status?.code ?? 0).not.toBe(STATUS_ERROR);
    await fetch(`${baseUrl}/snackdrawer/admin/faults`, { method: 'DELETE', headers: admin });
  });
});
