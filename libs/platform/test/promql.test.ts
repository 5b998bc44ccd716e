import { describe, expect, it } from 'vitest';
import { exposedMetricNames, metricNamesIn } from '../src/testing';

describe('PromQL metric-name extraction', () => {
  it('finds metric names and skips functions, keywords, labels, ranges and strings', () => {
    const expr =
      'sum by (module) (rate(http_server_request_duration_seconds_count{status_code=~"5..",module!="x"}[5m])) / ignoring(status_code) sum(rate(http_server_request_duration_seconds_count[5m])) > 0.05 and max by (queue) (queue_waiting_jobs) > 1e3 or up == 0';
    expect(metricNamesIn(expr).sort()).toEqual(['http_server_request_duration_seconds_count', 'queue_waiting_jobs']);
  });

  it('keeps histogram series names as written', () => {
    expect(metricNamesIn('histogram_quantile(0.99, sum by (le) (rate(db_client_operation_duration_seconds_bucket[$__rate_interval])))')).toEqual([
      'db_client_operation_duration_seconds_bucket',
    ]);
  });

  it('reads families, with histogram series, from an exposition', () => {
    const names = exposedMetricNames('# HELP a_total x\n# TYPE a_total counter\na_total 1\n# TYPE h_seconds histogram\n');
    expect([...names].sort()).toEqual(['a_total', 'h_seconds', 'h_seconds_bucket', 'h_seconds_count', 'h_seconds_sum']);
  });
});
