import { readFileSync } from 'node:fs';

export interface MemoryPeak {
  /** Highest sampled sum of VmRSS over the processes while the scenario ran, in MiB. */
  peakRssMb: number;
  /** Sum of each process's lifetime high-water mark (VmHWM: start-up and warm-up included), in MiB. */
  hwmMb: number;
}

const SAMPLE_EVERY_MS = 100;

/** Polls /proc/<pid>/status of the gateway processes until `stop()`. */
export function sampleMemory(pids: number[]): { stop(): MemoryPeak } {
  let peakKb = 0;
  const sample = () => {
    const total = pids.reduce((sum, pid) => sum + (statusField(pid, 'VmRSS') ?? 0), 0);
    peakKb = Math.max(peakKb, total);
  };
  sample();
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  return {
    stop() {
      sample();
      clearInterval(timer);
      const hwmKb = pids.reduce((sum, pid) => sum + (statusField(pid, 'VmHWM') ?? 0), 0);
      return { peakRssMb: round(peakKb / 1024), hwmMb: round(hwmKb / 1024) };
    },
  };
}

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined; // the process is gone
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
