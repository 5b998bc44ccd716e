import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startOtlpReceiver, testContext, waitFor, type OtlpReceiver, type ReceivedSpan } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const WRITE_KEY = 'trace-key-1';
const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

/** The path of a server span, in either generation of the HTTP semantic conventions. */
const targetOf = (span: ReceivedSpan) => String(span.attributes['url.path'] ?? span.attributes['http.target'] ?? '');

// The production build and start command: the bundle with the preload, as the Dockerfile and `npm start` run it.
beforeAll(() => {
  execFileSync(process.execPath, ['tools/build.mjs'], { cwd: root, stdio: 'inherit' });
}, 120_000);

/** The production bundle with its preload, exporting to `receiver`; `env` adds or overrides variables. */
async function startTracedGateway(receiver: OtlpReceiver, env: Record<string, string>): Promise<{ gateway: ChildProcess; baseUrl: string }> {
  const context = testContext();
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const gateway = spawn(process.execPath, ['--enable-source-maps', '--import', './dist/gateway/instrument.js', 'dist/gateway/main.js'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: context.databaseUrl,
      REDIS_URL: context.redisUrl,
      REDIS_PREFIX: `${context.redisPrefix}:tracing:${port}`,
      EYE_WRITE_KEYS: `tracing:${WRITE_KEY}`,
      // Long enough that requests sent together share one group commit, hence one job.
      EYE_COMMIT_WINDOW_MS: '200',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'gateway-trace-test',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=tracing-test',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (gateway.exitCode !== null) throw new Error(`the traced gateway exited with ${gateway.exitCode}`);
      return (await fetch(`${baseUrl}/readyz`).then((r) => r.status).catch(() => 0)) === 200;
    },
    { timeoutMs: 90_000, what: 'the traced gateway to be ready' },
  );
  return { gateway, baseUrl };
}

describe('tracing of the built gateway started with its preload', () => {
  let receiver: OtlpReceiver;
  let gateway: ChildProcess;
  let baseUrl: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    ({ gateway, baseUrl } = await startTracedGateway(receiver, { OTEL_BSP_SCHEDULE_DELAY: '100' }));
  }, 120_000);

  afterAll(async () => {
    if (gateway?.exitCode === null) {
      const exited = new Promise((resolve) => gateway.once('exit', resolve));
      gateway.kill('SIGTERM');
      await exited;
    }
    await receiver?.close();
  });

  const postEvent = async (session: string) => {
    const response = await fetch(`${baseUrl}/eye/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WRITE_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ session_id: session, category: 'page interaction', name: 'pageview', data: { host: 'www.ca.com', path: '/' }, timestamp: '2021-01-01 09:15:27.243860' }),
    });
    expect(response.status).toBe(202);
  };

  /** The first `count` POST /eye/events server spans, in the order they were exported. */
  const serverSpansOf = (count: number) =>
    waitFor(
      () => {
        const spans = receiver.spans.filter((s) => s.kind === SERVER && targetOf(s) === '/eye/events');
        return spans.length >= count && spans;
      },
      { timeoutMs: 15_000, what: `${count} POST /eye/events server spans` },
    );

  it('follows an eye event from the POST through the group commit, the queue and the worker to the INSERT', async () => {
    await postEvent(`trace-one-${Date.now()}`);
    const [server] = await serverSpansOf(1);
    expect(server!.service).toBe('gateway-trace-test');
    expect(server!.resource['deployment.environment.name']).toBe('tracing-test');

    const commit = await waitFor(() => receiver.spans.find((s) => s.name === 'group commit' && s.links?.some((l) => l.traceId === server!.traceId)), {
      timeoutMs: 15_000,
      what: 'the group commit span linked to the request',
    });
    expect(commit.parentSpanId ?? '').toBe('');
    const inTrace = (predicate: (span: ReceivedSpan) => boolean, what: string) =>
      waitFor(() => receiver.spans.find((s) => s.traceId === commit.traceId && predicate(s)), { timeoutMs: 15_000, what });
    // BullMQ names it `add <queue>.<job name>`.
    const add = await inTrace((s) => s.name === 'add eye.persist.persist', 'the queue add span');
    expect(add).toMatchObject({ kind: PRODUCER, parentSpanId: commit.spanId });
    const processing = await inTrace((s) => s.name === 'process eye.persist', 'the worker process span');
    expect(processing).toMatchObject({ kind: CONSUMER, parentSpanId: add.spanId });
    const insert = await inTrace(
      (s) => s.scope.includes('instrumentation-pg') && /^insert into eye\.events\b/i.test(String(s.attributes['db.query.text'] ?? s.attributes['db.statement'] ?? '')),
      'the pg INSERT into eye.events',
    );
    const ancestors = (span: ReceivedSpan): string[] => {
      const parent = receiver.spans.find((s) => s.spanId === span.parentSpanId);
      return parent ? [parent.spanId, ...ancestors(parent)] : [];
    };
    expect(ancestors(insert)).toContain(processing.spanId);
  });

  it('links one job to every request whose event it carries', async () => {
    const before = receiver.spans.filter((s) => s.kind === SERVER && targetOf(s) === '/eye/events').length;
    await Promise.all([1, 2, 3].map((n) => postEvent(`trace-many-${n}-${Date.now()}`)));
    const servers = (await serverSpansOf(before + 3)).slice(before);
    const commit = await waitFor(
      () => receiver.spans.find((s) => s.name === 'group commit' && servers.every((server) => s.links?.some((l) => l.traceId === server.traceId))),
      { timeoutMs: 15_000, what: 'one group commit span linked to all three requests' },
    );
    expect(commit.attributes['group_commit.submissions']).toBe(3);
    await waitFor(() => receiver.spans.find((s) => s.traceId === commit.traceId && s.name === 'process eye.persist'), {
      timeoutMs: 15_000,
      what: 'the job processed in the group commit trace',
    });
  });

  it('sends an eventpost notification in the trace of the request that scheduled it', async () => {
    const response = await fetch(`${baseUrl}/eventpost/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'A traced reminder', content: 'A notification due in a second.', to_mail: 'someone@example.com', scheduled_time: `${new Date(Date.now() + 1_000).toISOString().slice(0, 19)}Z` }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    const server = await waitFor(() => receiver.spans.find((s) => s.kind === SERVER && targetOf(s) === '/eventpost/notifications'), {
      timeoutMs: 15_000,
      what: 'the POST /eventpost/notifications server span',
    });
    const add = await waitFor(() => receiver.spans.find((s) => s.traceId === server.traceId && s.name === 'addBulk eventpost.notifications'), {
      timeoutMs: 15_000,
      what: 'the addBulk span in the request trace',
    });
    const processing = await waitFor(() => receiver.spans.find((s) => s.traceId === server.traceId && s.name === 'process eventpost.notifications'), {
      timeoutMs: 15_000,
      what: 'the delivery job processed in the request trace',
    });
    expect(processing).toMatchObject({ kind: CONSUMER, parentSpanId: add.spanId });
  });

  it('does not trace /metrics and /healthz', async () => {
    expect((await fetch(`${baseUrl}/metrics`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
    await waitFor(() => receiver.spans.some((s) => s.kind === SERVER && targetOf(s) === '/readyz'), { timeoutMs: 15_000, what: 'the /readyz server span' });
    expect(receiver.spans.filter((s) => s.kind === SERVER && ['/metrics', '/healthz'].includes(targetOf(s)))).toEqual([]);
  });
});

describe('a traced gateway shutting down', () => {
  it('exports the spans still waiting in the batch before it exits on SIGTERM', async () => {
    const receiver = await startOtlpReceiver();
    try {
      // A batch delay far longer than the test: only the flush at shutdown can export the span.
      const { gateway, baseUrl } = await startTracedGateway(receiver, { OTEL_BSP_SCHEDULE_DELAY: '600000' });
      expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
      const exited = new Promise<number | null>((resolve) => gateway.once('exit', resolve));
      gateway.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(receiver.spans.filter((s) => s.kind === SERVER && targetOf(s) === '/readyz').length).toBeGreaterThan(0);
    } finally {
      await receiver.close();
    }
  }, 120_000);
});

describe('the preload on its own', () => {
  /** Every module specifier the process resolves, starting the preload alone under `env`. */
  const resolvedBy = (env: Record<string, string>): string[] => {
    const logResolves = 'data:text/javascript,import{registerHooks}from"node:module";registerHooks({resolve(s,c,n){process.stderr.write(s+"\\n");return n(s,c)}})';
    const run = spawnSync(process.execPath, ['--import', logResolves, '--import', './dist/gateway/instrument.js', '-e', ''], {
      cwd: root,
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    return run.stderr.split('\n');
  };
  const loadsSdk = (env: Record<string, string>) => resolvedBy(env).some((specifier) => specifier.startsWith('@opentelemetry/'));

  it('loads no OpenTelemetry module without an endpoint, with OTEL_SDK_DISABLED=true or with OTEL_TRACES_EXPORTER=none', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' };
    expect(loadsSdk({})).toBe(false);
    expect(loadsSdk({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(loadsSdk({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(loadsSdk(endpoint)).toBe(true);
    expect(loadsSdk({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:1/v1/traces' })).toBe(true);
  });

  it('starts the SDK in the main thread only, not again in each worker thread', () => {
    const registered = "String(Symbol.for('opentelemetry.js.api.1') in globalThis)";
    const script = `const { Worker } = await import('node:worker_threads');
      const inWorker = await new Promise((resolve) => new Worker(\`import('node:worker_threads').then((w) => w.parentPort.postMessage(${registered}))\`, { eval: true }).once('message', resolve));
      process.stdout.write(JSON.stringify({ main: ${registered}, worker: inWorker }));`;
    const run = spawnSync(process.execPath, ['--import', './dist/gateway/instrument.js', '--input-type=module', '-e', script], {
      cwd: root,
      env: { PATH: process.env.PATH, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ main: 'true', worker: 'false' });
  });
});
