import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
// A fresh network namespace has nothing listening: no Postgres, no Redis, like a fresh machine.
const canIsolate = process.getuid?.() === 0 && spawnSync('unshare', ['-n', 'true']).status === 0;

function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'platform-start-'));
  chmodSync(dir, 0o755); // the embedded Postgres runs as user postgres
  return dir;
}

function inFreshMachine(script: string, dataDir?: string, cwd = root, path = process.env.PATH): string {
  return execFileSync('unshare', ['-n', 'bash', '-c', `ip link set lo up\n${script}`], {
    cwd,
    env: { PATH: path, HOME: process.env.HOME, PORT: '3000', LOG_LEVEL: 'warn', ...(dataDir && { PLATFORM_DATA_DIR: dataDir }) },
    timeout: 150_000,
  }).toString();
}

/**
 * This checkout's files (node_modules hard-linked) copied into a fresh 0700 directory, like a clone under /root or
 * `mktemp -d`; `owner` owns the directory and the checkout's own files.
 */
function privateClone(owner = 0): { parent: string; clone: string } {
  const parent = mkdtempSync(join(tmpdir(), 'platform-clone-'));
  const clone = join(parent, 'repo');
  mkdirSync(clone);
  execFileSync('bash', ['-c', `git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C ${clone}`], { cwd: root, stdio: 'ignore' });
  execFileSync('chown', ['-R', `${owner}:${owner}`, parent]);
  execFileSync('bash', ['-c', `cp -al node_modules ${clone}/ 2>/dev/null || cp -a node_modules ${clone}/`], { cwd: root });
  return { parent, clone };
}

const NOBODY = 65_534;
// The machine's PATH, as a shell has it: without the node_modules/.bin that npm gave this test run.
const machinePath = process.env.PATH!.split(':').filter((dir) => !dir.includes('node_modules')).join(':');
/** The PATH npm gives a script of `checkout`: its own node_modules/.bin first (this run's may be unreachable to another user). */
const npmPathOf = (checkout: string) => `${join(checkout, 'node_modules/.bin')}:${machinePath}`;
const canDropPrivileges = canIsolate && spawnSync('setpriv', ['--version']).status === 0;
const EMBEDDED_URL = 'postgres://postgres:postgres@127.0.0.1:54329/platform';

/** `npm start` run twice (as `run` prefixes it): the first run writes a row in its Postgres, the second reads it. */
function startedTwice(logs: string, run = ''): string {
  const sql = (statement: string) =>
    `node --input-type=module -e "import pg from 'pg'; const c = new pg.Client('${EMBEDDED_URL}'); await c.connect(); console.log(JSON.stringify((await c.query(process.argv[1])).rows)); await c.end();" "${statement}"`;
  return `redis-server --port 6379 --save "" --daemonize yes --logfile ${logs}/redis.log
for round in 1 2; do
  ${run} node tools/dev/start.mjs > ${logs}/start-$round.log 2>&1 &
  start=$!
  for i in $(seq 1 90); do curl -sf localhost:3000/readyz && break; kill -0 $start 2>/dev/null || break; sleep 1; done
  echo
  if [ $round = 1 ]; then ${sql("CREATE TABLE kept_across_restarts (note text); INSERT INTO kept_across_restarts VALUES ('kept')")}
  else ${sql('SELECT note FROM kept_across_restarts')}; fi
  kill -TERM $start; wait $start; echo "exit=$?"
  cat ${logs}/start-$round.log
done
redis-cli shutdown nosave`;
}

function embeddedDataDirs(output: string): string[] {
  return [...output.matchAll(/started an embedded Postgres \(data in ([^,]+),/g)].map((match) => match[1]!);
}

describe.skipIf(!canIsolate)('npm start on a machine without Postgres', () => {
  it('falls back to an embedded Postgres, says so in one line, and serves /readyz 200', () => {
    const dataDir = freshDataDir();
    // A socket lock file that another user's server left in the shared /tmp (0600, not ours) must not stop it.
    const staleLock = '/tmp/.s.PGSQL.54329.lock';
    const planted = !existsSync(staleLock);
    if (planted) {
      writeFileSync(staleLock, '999999\n', { mode: 0o600 });
      chownSync(staleLock, NOBODY, NOBODY);
    }
    try {
      const output = inFreshMachine(
        `redis-server --port 6379 --save "" --daemonize yes --logfile ${dataDir}/redis.log
node tools/dev/start.mjs > ${dataDir}/start.log 2>&1 &
start=$!
for i in $(seq 1 90); do curl -sf localhost:3000/readyz && break; sleep 1; done
echo; kill -TERM $start; wait $start; echo "exit=$?"; redis-cli shutdown nosave
cat ${dataDir}/start.log`,
        dataDir,
      );
      expect(output).toContain('{"status":"ready","checks":{"postgres":"ok","redis":"ok","migrations":"ok"}}');
      expect(output).toContain('exit=0');
      expect(output.match(/started an embedded Postgres/g)).toHaveLength(1);
    } finally {
      if (planted) rmSync(staleLock, { force: true });
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('npm start runs the gateway on the Node that .nvmrc names, even with an older Node first on the PATH', () => {
    const dataDir = freshDataDir();
    const wanted = Number(readFileSync(join(root, '.nvmrc'), 'utf8').trim());
    try {
      const output = inFreshMachine(
        `redis-server --port 6379 --save "" --daemonize yes --logfile ${dataDir}/redis.log
echo "shell node: $(node --version)"
npm start > ${dataDir}/start.log 2>&1 &
start=$!
for i in $(seq 1 90); do curl -sf localhost:3000/readyz >/dev/null && break; sleep 1; done
curl -s localhost:3000/metrics | grep '^nodejs_version_info'
kill -TERM $start; wait $start; redis-cli shutdown nosave`,
        dataDir,
        root,
        machinePath,
      );
      const major = /^nodejs_version_info\{[^}]*major="(\d+)"/m.exec(output)?.[1];
      expect(Number(major), output).toBeGreaterThanOrEqual(wanted);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('as root from a checkout under a 0700 directory: data in a private, persistent place named in the start line', () => {
    const { parent, clone } = privateClone();
    let cluster: string | undefined;
    try {
      const output = inFreshMachine(startedTwice(parent), undefined, clone, npmPathOf(clone));
      expect(output).toMatch(/started an embedded Postgres \(data in \/var\/lib\/platform-dev\/data-[0-9a-f]{12},/);
      cluster = readlinkSync(join(clone, '.data/postgres'));
      expect(embeddedDataDirs(output)).toEqual([cluster, cluster]);
      expect(output.match(/\{"status":"ready","checks":\{"postgres":"ok","redis":"ok","migrations":"ok"\}\}/g)).toHaveLength(2);
      expect(output.match(/exit=0/g)).toHaveLength(2);
      expect(output).toContain('[{"note":"kept"}]');
      const data = statSync(cluster);
      expect(data.uid).toBe(Number(execFileSync('id', ['-u', 'postgres'])));
      expect(data.mode & 0o077).toBe(0);
    } finally {
      if (cluster) rmSync(cluster, { recursive: true, force: true });
      rmSync(parent, { recursive: true, force: true });
    }
  }, 120_000);

  it.skipIf(!canDropPrivileges)('as a normal user from its private checkout: data under .data/postgres, kept across restarts', () => {
    const { parent, clone } = privateClone(NOBODY);
    try {
      const output = inFreshMachine(startedTwice(parent, `setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups`), undefined, clone, npmPathOf(clone));
      const cluster = join(clone, '.data/postgres');
      expect(output).toContain(`started an embedded Postgres (data in ${cluster},`);
      expect(embeddedDataDirs(output)).toEqual([cluster, cluster]);
      expect(lstatSync(cluster).isDirectory()).toBe(true);
      expect(statSync(cluster).uid).toBe(NOBODY);
      expect(statSync(cluster).mode & 0o077).toBe(0);
      expect(output.match(/\{"status":"ready","checks":\{"postgres":"ok","redis":"ok","migrations":"ok"\}\}/g)).toHaveLength(2);
      expect(output.match(/exit=0/g)).toHaveLength(2);
      expect(output).toContain('[{"note":"kept"}]');
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  }, 120_000);

  it('without Redis it exits with one line saying how to get one', () => {
    const dataDir = freshDataDir();
    try {
      const output = inFreshMachine(`node tools/dev/start.mjs 2>&1; echo "exit=$?"`, dataDir);
      const redisLines = output.split('\n').filter((line) => line.includes('Redis'));
      expect(redisLines).toHaveLength(1);
      expect(redisLines[0]).toMatch(/Redis is not reachable.*apt-get install redis-server.*brew install redis.*REDIS_URL/);
      expect(output).toContain('exit=1');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
