import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = clockTicks();

/**
 * CPU seconds (user + system, every thread) the processes have used so far. CPU time per request moves less than
 * req/s when neighbours steal the cores, so it is the steadier figure on a shared machine (not a steady one).
 */
export function cpuSeconds(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + processTicks(pid), 0) / CLOCK_TICKS_PER_SECOND;
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0; // the process is gone
  }
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}
