/**
 * The contract between the benchmark harness (tools/bench/run.ts) and each module's scenarios
 * (tools/bench/scenarios/<module>.ts, exporting `scenarios: Scenario[]`).
 */
import type { Options as AutocannonOptions, Result as AutocannonResult } from 'autocannon';

export interface LatencySummary {
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

export interface ScenarioResult {
  /** The headline figure (compared with the target and divided by the baseline's req/s for the ratio). */
  figure: number;
  unit: 'req/s' | 'events/s' | 'messages/s' | 'ms' | 's';
  latency?: LatencySummary;
  errors: number;
  /** Anything else worth a column in the JSON (time to drain, rows persisted, ...). */
  extra?: Record<string, number | string>;
}

export interface ScenarioContext {
  /** The gateway under test, e.g. `http://127.0.0.1:40123`. */
  baseUrl: string;
  connections: number;
  durationSeconds: number;
  /** Runs autocannon against the gateway (url, connections and duration defaulted from the context). */
  autocannon(options: Partial<AutocannonOptions>): Promise<AutocannonResult>;
  /** A query on the benchmark database (for persisted-throughput scenarios that wait for rows). */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  log(message: string): void;
}

export interface Scenario {
  module: string;
  name: string;
  summary: string;
  /** e.g. `>= 3000 req/s`; printed beside the figure in BENCHMARKS.md. */
  target?: string;
  /** Environment the gateway needs for this scenario (module variables). */
  gatewayEnv?: Record<string, string>;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}
