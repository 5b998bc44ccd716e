import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCK_FILE = join(tmpdir(), 'platform-bench.lock');
const POLL_MS = 1_000;

/**
 * One benchmark run per machine at a time: two runs side by side would measure each other. Waits for a running
 * one (a lock file holding its pid) to finish; a lock whose process is gone is taken over. Returns the release.
 */
export async function acquireRunLock(log: (message: string) => void): Promise<() => Promise<void>> {
  let announced = false;
  for (;;) {
    try {
      writeFileSync(LOCK_FILE, String(process.pid), { flag: 'wx' });
      return async () => {
        if (readHolder() === process.pid) unlinkSync(LOCK_FILE);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder();
    if (holder === undefined || !isAlive(holder)) {
      try {
        unlinkSync(LOCK_FILE);
      } catch {
        // another waiter removed it first
      }
      continue;
    }
    if (!announced) log(`waiting for the benchmark run of process ${holder} to finish (${LOCK_FILE})...`);
    announced = true;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function readHolder(): number | undefined {
  try {
    const pid = Number(readFileSync(LOCK_FILE, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
