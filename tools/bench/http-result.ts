import type { Result } from 'autocannon';
import type { ScenarioResult } from './scenario';

export interface HttpResultOptions {
  /** Which response statuses count as success (default: 2xx); any other status counts as an error. */
  expectStatus?: (status: number) => boolean;
}

/** Turns an autocannon result into a scenario result: req/s, latency, and errors (failed connections, timeouts and unexpected statuses). */
export function httpScenarioResult(result: Result, options: HttpResultOptions = {}): ScenarioResult {
  const expectStatus = options.expectStatus ?? ((status) => status >= 200 && status < 300);
  let unexpected = 0;
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) {
    if (!expectStatus(Number(status))) unexpected += stats.count ?? 0;
  }
  return {
    figure: Math.round(result.requests.average),
    unit: 'req/s',
    latency: latencyOf(result),
    errors: result.errors + unexpected,
    extra: { requests: result.requests.total, unexpectedStatuses: unexpected, timeouts: result.timeouts },
  };
}

export function latencyOf(result: Result): ScenarioResult['latency'] {
  return { meanMs: round(result.latency.mean), p50Ms: round(result.latency.p50), p99Ms: round(result.latency.p99) };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
