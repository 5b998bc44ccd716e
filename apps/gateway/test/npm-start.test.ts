import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
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

function inFreshMachine(script: string, dataDir: string): string {
  return execFileSync('unshare', ['-n', 'bash', '-c', `ip link set lo up\n${script}`], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PLATFORM_DATA_DIR: dataDir, PORT: '3000', LOG_LEVEL: 'warn' },
    timeout: 150_000,
  }).toString();
}

describe.skipIf(!canIsolate)('npm start on a machine without Postgres', () => {
  it('falls back to an embedded Postgres, says so in one line, and serves /readyz 200', () => {
    const dataDir = freshDataDir();
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
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

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
