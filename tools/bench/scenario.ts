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
  /**
   * How many items (events, messages) the figure counts, when that is not one per HTTP response (a batch of 500
   * events is 500 items): the harness divides the gateway's CPU time by it for CPU per item. Default: the responses.
   */
  items?: number;
  /** Anything else worth a column in the JSON (time to drain, rows persisted, ...). */
  extra?: Record<string, number | string>;
}

export interface ScenarioContext {
  /** The gateway under test, e.g. `http://127.0.0.1:40123`. */
  baseUrl: string;
  /**
   * Every API process under test (`--processes N`: N gateways on consecutive ports); `baseUrl` is the first.
   * `autocannon()` spreads its connections over all of them by itself.
   */
  baseUrls?: string[];
  /** True while the harness runs the scenario as its warm-up (the result is discarded). */
  warmingUp?: boolean;
  /** Messages the harness's SMTP sink (the gateway's SMTP_URL unless a scenario sets its own) has received. */
  mailsReceived?(): number;
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
  /**
   * Before measuring, the harness runs the scenario once for the warm-up duration and discards the result.
   * Give a function to warm up differently, or `false` to skip (e.g. when a second run would skew the first).
   */
  warmup?: false | ((context: ScenarioContext) => Promise<void>);
  run(context: ScenarioContext): Promise<ScenarioResult>;
}
