import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Machine } from './machine';
import type { LatencySummary, ScenarioResult } from './scenario';

export interface BaselineFigure {
  figure: number;
  unit: 'req/s';
  latency: LatencySummary;
  errors: number;
  connections: number;
  /** CPU time the baseline server(s) spent per response, in microseconds. */
  cpuUsPerRequest: number | null;
}

/** CPU time per response (or per item, see `ScenarioResult.items`) of the gateway process(es), workers included, against the baseline's per response. */
export interface CpuFigure {
  usPerRequest: number;
  baselineUsPerRequest: number | null;
  /** baseline µs/request ÷ gateway µs/request: what the throughput ratio would be on two idle, CPU-bound cores. */
  ratio: number | null;
}

export interface RunSettings {
  durationSeconds: number;
  warmupSeconds: number;
  /** The connections the scenario had open at its peak; the baseline ran with as many. */
  connections: number;
  processes: number;
  rounds: number;
  /** A profiled gateway is slower: such figures explain, they do not compare. */
  cpuProf: boolean;
  /** The machine's 1-minute load average when the scenario started (2 cores: above 2 means neighbours were busy). */
  loadAverage: number;
}

/** One scenario-then-baseline round; the record shows the round with the median ratio. */
export interface RoundFigure {
  figure: number;
  baseline: number | null;
  ratio: number | null;
  cpuRatio: number | null;
}

/** One scenario's measurement, as stored in the JSON and rendered in BENCHMARKS.md. */
export interface BenchRecord extends ScenarioResult {
  id: string;
  runId: string;
  module: string;
  name: string;
  summary: string;
  /** `process.version` of the gateway processes (and of the baseline, which runs on the same binary). */
  node: string;
  target?: string;
  peakRssMb: number;
  hwmMb: number;
  /** RSS of the gateway process(es) once ready, before any load. */
  idleRssMb: number;
  /** CPU the gateway process(es) used with no load, after the warm-up, in % of one core. */
  idleCpuPercent: number;
  baseline: BaselineFigure | null;
  /** figure / baseline req/s, for throughput units only. */
  ratio: number | null;
  /** Null when the scenario sent no request through `context.autocannon`. Median over the rounds. */
  cpu: CpuFigure | null;
  rounds: RoundFigure[];
  settings: RunSettings;
  machine: Machine;
  date: string;
  commit: string;
}

export interface RunFile {
  runId: string;
  date: string;
  /** The command line after `npm run bench --`. */
  command: string;
  /** The commit of the gateway measured (the `--checkout`'s when one was given). */
  commit: string;
  /** `process.version` of each Node binary the gateway ran on, in the order of the run. */
  nodes: string[];
  machine: Machine;
  records: BenchRecord[];
  failures: { id: string; error: string }[];
}

export interface Store {
  /** The latest record per scenario id, whichever run produced it. */
  records: Record<string, BenchRecord>;
  /** The latest runtime comparison run (several `--node`, or `--checkout`): kept apart from `records`. */
  comparison?: RunFile;
}

export const THROUGHPUT_UNITS: ReadonlySet<ScenarioResult['unit']> = new Set(['req/s', 'events/s', 'messages/s']);

export function writeRunFile(resultsDir: string, run: RunFile): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${run.runId}.json`);
  writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
  return file;
}

/** A scenario's latest record per process count: a 2-process run keeps the 1-process figures beside it. */
function storeKey(record: BenchRecord): string {
  return record.settings.processes > 1 ? `${record.id}@${record.settings.processes}` : record.id;
}

/**
 * Merges a run into `latest.json` and returns the whole store. A comparison run replaces the stored comparison and
 * leaves the records alone: its figures come from another runtime or another commit than the current code's.
 */
export function mergeIntoStore(resultsDir: string, run: RunFile, isComparison: boolean): Store {
  const file = join(resultsDir, 'latest.json');
  const store: Store = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Store) : { records: {} };
  if (isComparison) store.comparison = run;
  else for (const record of run.records) store.records[storeKey(record)] = record;
  const sorted: Store = {
    records: Object.fromEntries(Object.entries(store.records).sort(([a], [b]) => a.localeCompare(b))),
    ...(store.comparison ? { comparison: store.comparison } : {}),
  };
  writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
  return sorted;
}
