import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, release, totalmem } from 'node:os';

export interface Machine {
  nproc: number;
  memoryGiB: number;
  cpu: string;
  node: string;
  kernel: string;
}

export function describeMachine(): Machine {
  return {
    nproc: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    kernel: release(),
  };
}

export function currentCommit(root: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
