// Snackdrawer throughput and metrics overhead (autocannon), each next to a bare node:http server in the same run.
//   npx tsx tools/bench/snackdrawer/drawers.mjs [--seconds 10] [--rounds 3] [--connections 50] [--aa | --against BUNDLE]
// Builds the gateway (dist/gateway/main.js) and, on a fresh database, signs up 10 users with 5 drawers each through a
// setup gateway that then stops (so neither measured gateway did the scrypt work). It then starts two gateways
// (SNACKDRAWER_METRICS=on and off, ROLE=api, NODE_ENV=production), alternates rounds of authenticated
// GET /snackdrawer/drawers/ on them, and loads the bare server last. `--aa` starts both with metrics off: the
// "overhead" it reports is the method's own noise on this machine. `--against BUNDLE` compares the fresh build with
// another build of the gateway (say, the previous commit's dist/gateway/main.js copied aside), both with metrics on:
// it measures a change side by side, and its per-round ratios are printed beside the medians.
// The overhead target compares median throughput, as the spec defines it; each gateway's CPU time per request is
// reported beside it: it moves less than req/s when neighbours steal the cores, though on a busy host it moves too.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { Redis } from 'ioredis';
import { cpuSeconds } from '../cpu.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((pair) => pair.trim().split(/\s+/)));
const seconds = Number(args.seconds ?? 10);
const rounds = Number(args.rounds ?? 3);
const connections = Number(args.connections ?? 50);
const runId = `sdbench_${Date.now().toString(36)}`;
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/platform';
const databaseUrl = Object.assign(new URL(serverUrl), { pathname: `/${runId}` }).toString();
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const secret = randomBytes(32).toString('hex');
const children = [];

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, child) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer within 60 s`);
}

async function startGateway(metrics, bundle = 'dist/gateway/main.js') {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', './dist/gateway/instrument.js', bundle], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      ROLE: 'api',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: runId,
      SNACKDRAWER_JWT_SECRET: secret,
      SNACKDRAWER_METRICS: metrics,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/readyz`, child);
  return { url, pid: child.pid, stop: () => new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM')) };
}

async function startBaseline() {
  const port = await freePort();
  const source = `const body = JSON.stringify({ status: 'ok' });
    require('node:http').createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }).listen(${port}, '127.0.0.1');`;
  const child = spawn(process.execPath, ['-e', source], { stdio: 'inherit' });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(url, child);
  return url;
}

async function post(url, body, token) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

async function usersWithDrawers(gateway) {
  const tokens = [];
  for (let i = 0; i < 10; i++) {
    const username = `bench-${i}`;
    const password = 'bench password 1';
    if ((await post(`${gateway}/snackdrawer/auth/users`, { username, password })).status !== 201) throw new Error('sign-up failed');
    const { token } = await (await post(`${gateway}/snackdrawer/auth/login`, { username, password })).json();
    for (let d = 0; d < 5; d++) await post(`${gateway}/snackdrawer/drawers`, { name: `drawer ${d}` }, token);
    tokens.push(token);
  }
  return tokens;
}

async function load(url, tokens, pid) {
  const cpuBefore = pid === undefined ? 0 : cpuSeconds([pid]);
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    setupClient: tokens ? (client) => client.setHeaders({ authorization: `Bearer ${tokens[next++ % tokens.length]}` }) : undefined,
  });
  const non2xx = result.non2xx + result.errors + result.timeouts;
  const cpuMicrosPerRequest = pid === undefined ? undefined : Math.round(((cpuSeconds([pid]) - cpuBefore) * 1e6) / result.requests.total);
  return { rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, non2xx, cpuMicrosPerRequest };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function cleanUp() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const admin = new pg.Client({ connectionString: Object.assign(new URL(serverUrl), { pathname: '/postgres' }).toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${runId}" WITH (FORCE)`).catch(() => undefined);
  await admin.end();
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${runId}:*`, 'COUNT', 1000);
    cursor = nextCursor;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

try {
  if (spawnSync(process.execPath, ['tools/build.mjs'], { cwd: root, stdio: 'inherit' }).status !== 0) throw new Error('gateway build failed');
  const setup = await startGateway('off');
  const tokens = await usersWithDrawers(setup.url);
  await setup.stop();
  const against = args.against;
  // [label, metrics setting, bundle] of the first and second gateway; the first is the one the targets judge.
  const [first, second] = against
    ? [['current', 'on'], ['against', 'on', against]]
    : [['on', 'aa' in args ? 'off' : 'on'], ['off', 'off']];
  const gateways = [await startGateway(first[1]), await startGateway(second[1], second[2])];
  const baseline = await startBaseline();
  const target = (gateway) => `${gateway.url}/snackdrawer/drawers/`;
  for (const gateway of gateways) await load(target(gateway), tokens); // warm-up, discarded
  const measured = [[], []];
  for (let round = 0; round < rounds; round++) {
    for (const [index, [label]] of [first, second].entries()) {
      const result = await load(target(gateways[index]), tokens, gateways[index].pid);
      measured[index].push(result);
      console.log(
        `round ${round + 1} ${against ? '' : 'metrics='}${label}: ${result.rps} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, non-2xx ${result.non2xx}, CPU ${result.cpuMicrosPerRequest} µs/req`,
      );
    }
  }
  const bare = await load(baseline);
  const describe = (results) => ({
    medianRps: median(results.map((r) => r.rps)),
    medianCpuMicrosPerRequest: median(results.map((r) => r.cpuMicrosPerRequest)),
    p50Ms: median(results.map((r) => r.p50)),
    p99Ms: median(results.map((r) => r.p99)),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
  });
  const [a, b] = measured.map(describe);
  const roundRatios = measured[0].map((result, round) => Number((result.rps / measured[1][round].rps).toFixed(2)));
  const common = {
    date: new Date().toISOString(),
    connections,
    seconds,
    rounds,
    loadAverage: (await import('node:os')).loadavg()[0].toFixed(2),
    bareNodeHttpRps: bare.rps,
    ratioToBare: Number((a.medianRps / bare.rps).toFixed(3)),
  };
  const summary = against
    ? {
        ...common,
        against,
        current: a,
        [against]: b,
        throughputRatioOfMedians: Number((a.medianRps / b.medianRps).toFixed(3)),
        perRoundThroughputRatios: roundRatios,
        medianPerRoundRatio: median(roundRatios),
        cpuPerRequestRatio: Number((a.medianCpuMicrosPerRequest / b.medianCpuMicrosPerRequest).toFixed(3)),
      }
    : {
        ...common,
        aaNoiseRun: 'aa' in args,
        metricsOn: a,
        metricsOff: b,
        metricsThroughputOverheadPercent: Number((((b.medianRps - a.medianRps) / b.medianRps) * 100).toFixed(1)),
        metricsCpuOverheadPercent: Number((((a.medianCpuMicrosPerRequest - b.medianCpuMicrosPerRequest) / b.medianCpuMicrosPerRequest) * 100).toFixed(1)),
        targets: { throughput: a.medianRps >= 3000 ? 'met' : 'missed', overhead: (b.medianRps - a.medianRps) / b.medianRps <= 0.05 ? 'met' : 'missed' },
      };
  console.log(JSON.stringify(summary, null, 2));
} finally {
  await cleanUp();
}
