// Runs the three load personas (seed user, snoop, script kiddie) with Debian's python3-locust against a running
// gateway and checks their pass conditions. Usage: node tools/bench/snackdrawer/personas.mjs [http://127.0.0.1:3000]
// Every locust run is bounded (-t); the whole run takes about three minutes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const base = (process.argv[2] ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const api = `${base}/snackdrawer`;
const out = mkdtempSync(join(tmpdir(), 'snackdrawer-personas-'));
const results = [];

/** fetch, retried once: a keep-alive socket idle through a locust run may have been closed by the gateway. */
async function request(url, init) {
  try {
    return await fetch(url, init);
  } catch {
    return fetch(url, init);
  }
}

async function call(method, path, body, token) {
  const response = await request(api + path, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function user(prefix) {
  const username = `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const password = 'persona password';
  const created = await call('POST', '/auth/users', { username, password });
  if (created.status !== 201) throw new Error(`sign-up answered ${created.status}`);
  return (await call('POST', '/auth/login', { username, password })).body.token;
}

async function scrape() {
  const text = await (await request(`${base}/metrics`)).text();
  return text.split('\n').filter((line) => line && !line.startsWith('#'));
}

const sum = (lines, name, match) =>
  lines.filter((line) => line.startsWith(`${name}{`) && match(line)).reduce((total, line) => total + Number(line.split(' ').at(-1)), 0);
const serverErrors = (lines) => sum(lines, 'http_server_request_duration_seconds_count', (l) => l.includes('module="snackdrawer"') && /status_code="5\d\d"/.test(l));
const notOwner = (lines) => sum(lines, 'snackdrawer_authz_denied_total', (l) => l.includes('reason="not_owner"'));
const moduleSeries = (lines) => lines.filter((l) => l.includes('module="snackdrawer"') || l.startsWith('snackdrawer_')).length;

function locust(file, name, args, env = {}) {
  const result = spawnSync('locust', ['-f', join(here, file), '--headless', '-H', api, '--csv', join(out, name), '--only-summary', ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (result.error) throw result.error;
  const rows = readFileSync(join(out, `${name}_stats.csv`), 'utf8').trim().split('\n');
  const header = rows[0].split(',');
  const aggregated = rows.find((row) => row.includes('Aggregated')).split(',');
  const requests = Number(aggregated[header.indexOf('Request Count')]);
  const failures = Number(aggregated[header.indexOf('Failure Count')]);
  return { requests, failures, log: result.stderr.split('\n').filter((l) => /Error|error|failure/i.test(l)).slice(-5) };
}

function record(persona, pass, details) {
  results.push({ persona, pass, ...details });
  console.log(`${pass ? '✓' : '✗'} ${persona}: ${JSON.stringify(details)}`);
}

for (let attempt = 0; ; attempt++) {
  const ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
  if (ready) break;
  if (attempt === 120) throw new Error(`${base}/readyz did not answer 200 within 60 s`);
  await new Promise((resolve) => setTimeout(resolve, 500));
}

// Seed user: the seed's task mix after three snacks exist.
const owner = await user('persona-owner');
const snacks = [];
for (let i = 0; i < 3; i++) snacks.push((await call('POST', '/snacks', { name: `persona snack ${Date.now()}-${i}` }, owner)).body.snack.id);
let before = await scrape();
const seed = locust('seed_locustfile.py', 'seed', ['-u', '20', '-r', '5', '-t', '60s']);
let after = await scrape();
record('seed user', seed.failures === 0 && serverErrors(after) === serverErrors(before) && seed.requests > 0, {
  requests: seed.requests,
  failures: seed.failures,
  new5xx: serverErrors(after) - serverErrors(before),
});

// Snoop: probes two victims' drawers plus sequential and random ids.
const victims = [];
for (let i = 0; i < 2; i++) {
  const token = await user('persona-victim');
  const drawer = (await call('POST', '/drawers', { name: 'private' }, token)).body.drawer.id;
  await call('POST', `/drawers/${drawer}/snacks`, { snack: snacks[0], quantity: 3 }, token);
  victims.push({ token, drawer, snapshot: JSON.stringify((await call('GET', `/drawers/${drawer}`, undefined, token)).body) });
}
before = await scrape();
const snoop = locust('snoop_locustfile.py', 'snoop', ['-u', '5', '-r', '5', '-t', '30s'], {
  SNOOP_VICTIMS: victims.map((v) => v.drawer).join(','),
  SNOOP_SNACK: String(snacks[0]),
});
after = await scrape();
const unchanged = [];
for (const victim of victims) unchanged.push(JSON.stringify((await call('GET', `/drawers/${victim.drawer}`, undefined, victim.token)).body) === victim.snapshot);
record('snoop', snoop.failures === 0 && unchanged.every(Boolean) && notOwner(after) > notOwner(before), {
  requests: snoop.requests,
  failures: snoop.failures,
  victimsUnchanged: unchanged.every(Boolean),
  notOwnerIncrease: notOwner(after) - notOwner(before),
});

// Script kiddie: two identical rounds; the second must add no series.
before = await scrape();
const first = locust('kiddie_locustfile.py', 'kiddie-1', ['-u', '5', '-r', '5', '-t', '20s']);
const middle = await scrape();
const second = locust('kiddie_locustfile.py', 'kiddie-2', ['-u', '5', '-r', '5', '-t', '20s']);
after = await scrape();
record('script kiddie', first.failures + second.failures === 0 && serverErrors(after) === serverErrors(before) && moduleSeries(after) === moduleSeries(middle), {
  requests: first.requests + second.requests,
  failures: first.failures + second.failures,
  new5xx: serverErrors(after) - serverErrors(before),
  seriesAddedBySecondRound: moduleSeries(after) - moduleSeries(middle),
});

console.log(`locust CSVs in ${out}`);
process.exit(results.every((r) => r.pass) ? 0 : 1);
