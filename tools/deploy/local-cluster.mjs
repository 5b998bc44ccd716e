// Scale-out on one machine: nginx in front of N `ROLE=api` gateways, plus M `ROLE=worker` gateways, all on the
// same Postgres and Redis. `node tools/deploy/local-cluster.mjs --api 2 --workers 1 --port 8080`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildGateway } from '../build.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

function nginxConfig({ dir, port, apiPorts }) {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 2m;
  upstream gateway {
    least_conn;
${apiPorts.map((p) => `    server 127.0.0.1:${p} max_fails=0;`).join('\n')}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    # Metrics are per process; through the balancer they would merge into one flapping series.
    location = /metrics { return 404 '{"error":{"code":"not_found","message":"Scrape each gateway process directly","details":null}}'; }
    location / {
      proxy_pass http://gateway;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_next_upstream error timeout;
    }
  }
}
`;
}

/** Polls `url` until it answers 200; `check` throws to give up early. */
async function waitReady(url, timeoutMs, check = () => {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    check();
    const status = await fetch(url).then((r) => r.status, () => 0);
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

/**
 * Starts the cluster and resolves once nginx and every gateway answer. `env` reaches every gateway
 * (DATABASE_URL, REDIS_URL, REDIS_PREFIX, module variables). `stop()` sends SIGTERM to everything. When start-up
 * fails or `signal` aborts it, the processes started so far are stopped before the error is thrown.
 */
export async function startLocalCluster({ apiProcesses = 2, workerProcesses = 1, port = 8080, env = {}, signal }) {
  await buildGateway();
  const dir = mkdtempSync(join(tmpdir(), 'local-cluster-'));
  const apiPorts = Array.from({ length: apiProcesses }, (_, i) => port + 1 + i);
  const workerPorts = Array.from({ length: workerProcesses }, (_, i) => port + 1 + apiProcesses + i);
  const children = [];
  const startGateway = (role, gatewayPort) => {
    const child = spawn(process.execPath, ['--enable-source-maps', '--import', './dist/gateway/instrument.js', 'dist/gateway/main.js'], {
      cwd: root,
      env: { ...process.env, ...env, ROLE: role, PORT: String(gatewayPort), HOST: '127.0.0.1' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(child);
    return child;
  };
  const stop = async () => {
    const exits = children.map((child) => (child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', resolve))));
    for (const child of children) child.kill('SIGTERM');
    const codes = await Promise.all(exits);
    rmSync(dir, { recursive: true, force: true });
    return codes;
  };
  const check = () => {
    signal?.throwIfAborted();
    const dead = children.find((child) => child.exitCode !== null || child.signalCode !== null);
    if (dead) throw new Error(`${dead.spawnargs.join(' ')} exited during start-up (${dead.exitCode ?? dead.signalCode})`);
  };
  try {
    // The first gateway applies migrations alone; the rest then start without contending for the lock.
    startGateway('api', apiPorts[0]);
    await waitReady(`http://127.0.0.1:${apiPorts[0]}/readyz`, 120_000, check);
    apiPorts.slice(1).forEach((p) => startGateway('api', p));
    workerPorts.forEach((p) => startGateway('worker', p));
    await Promise.all([...apiPorts, ...workerPorts].map((p) => waitReady(`http://127.0.0.1:${p}/readyz`, 120_000, check)));

    writeFileSync(join(dir, 'nginx.conf'), nginxConfig({ dir, port, apiPorts }));
    const nginx = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'inherit', 'inherit'] });
    children.push(nginx);
    await waitReady(`http://127.0.0.1:${port}/healthz`, 30_000, check);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url: `http://127.0.0.1:${port}`,
    apiUrls: apiPorts.map((p) => `http://127.0.0.1:${p}`),
    workerUrls: workerPorts.map((p) => `http://127.0.0.1:${p}`),
    stop,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { api: { type: 'string', default: '2' }, workers: { type: 'string', default: '1' }, port: { type: 'string', default: '8080' } },
  });
  const starting = new AbortController();
  let cluster;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, async () => {
      if (!cluster) return starting.abort();
      const codes = await cluster.stop();
      process.exit(codes.every((code) => code === 0) ? 0 : 1);
    });
  }
  try {
    cluster = await startLocalCluster({ apiProcesses: Number(values.api), workerProcesses: Number(values.workers), port: Number(values.port), signal: starting.signal });
  } catch (error) {
    console.error(`local cluster did not start: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
  // One machine-readable line: tests and scripts wait for it.
  console.log(`local cluster ready ${JSON.stringify({ url: cluster.url, apiUrls: cluster.apiUrls, workerUrls: cluster.workerUrls })}`);
}
