import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SeriesHistogram } from '../src/series-histogram';

const BUCKETS = [0.01, 0.1, 1];
const OBSERVATIONS: [string, string, number][] = [
  ['GET', '200', 0.005],
  ['GET', '200', 0.01],
  ['GET', '200', 0.5],
  ['GET', '404', 3],
  ['POST', '201', 0.1],
];

function pair() {
  const ours = new Registry();
  const theirs = new Registry();
  const options = { name: 'demo_duration_seconds', help: 'Demo durations', labelNames: ['method', 'status'] as const, buckets: BUCKETS };
  const series = new SeriesHistogram({ ...options, registers: [ours] });
  const histogram = new Histogram({ ...options, labelNames: [...options.labelNames], registers: [theirs] });
  return { ours, theirs, series, histogram };
}

describe('SeriesHistogram', () => {
  it('exposes, line for line, what a prom-client Histogram exposes for the same observations', async () => {
    const { ours, theirs, series, histogram } = pair();
    for (const [method, status, value] of OBSERVATIONS) {
      series.series([method, status]).observe(value);
      histogram.observe({ method, status }, value);
    }
    const exposition = await ours.metrics();
    expect(exposition).toContain('demo_duration_seconds_bucket{le="0.01",method="GET",status="200"} 2');
    expect(exposition).toContain('demo_duration_seconds_count{method="GET",status="404"} 1');
    expect(exposition).toBe(await theirs.metrics());
  });

  it('returns the same series for the same values and exports a new one at zero', async () => {
    const { ours, series } = pair();
    expect(series.series(['GET', '200'])).toBe(series.series(['GET', '200']));
    expect(series.series(['GET', '200'])).not.toBe(series.series(['GET', '201']));
    expect(await ours.metrics()).toContain('demo_duration_seconds_count{method="GET",status="201"} 0');
  });

  it('keeps the values of different label sets apart even when their parts would join alike', async () => {
    const { ours, series } = pair();
    series.series(['a,b', 'c']).observe(1);
    series.series(['a', 'b,c']).observe(2);
    const exposition = await ours.metrics();
    expect(exposition).toContain('demo_duration_seconds_sum{method="a,b",status="c"} 1');
    expect(exposition).toContain('demo_duration_seconds_sum{method="a",status="b,c"} 2');
  });

  it('drops non-finite values instead of poisoning the sum', async () => {
    const { ours, series } = pair();
    const handle = series.series(['GET', '200']);
    handle.observe(Number.NaN);
    handle.observe(Number.POSITIVE_INFINITY);
    handle.observe(0.2);
    const exposition = await ours.metrics();
    expect(exposition).toContain('demo_duration_seconds_sum{method="GET",status="200"} 0.2');
    expect(exposition).toContain('demo_duration_seconds_count{method="GET",status="200"} 1');
  });

  it('times a promise to its settling, fulfilled or rejected, and hands back that same promise', async () => {
    const { ours, series } = pair();
    const fulfilled = Promise.resolve('done');
    expect(series.series(['GET', '200']).time(() => fulfilled)).toBe(fulfilled);
    await fulfilled;
    const failure = new Error('query failed');
    await expect(series.series(['GET', '500']).time(() => new Promise((_, reject) => setTimeout(() => reject(failure), 20)))).rejects.toBe(failure);
    const exposition = await ours.metrics();
    expect(exposition).toContain('demo_duration_seconds_count{method="GET",status="200"} 1');
    expect(exposition).toContain('demo_duration_seconds_count{method="GET",status="500"} 1');
    const failedSum = Number(/demo_duration_seconds_sum\{method="GET",status="500"\} (\S+)/.exec(exposition)![1]);
    expect(failedSum).toBeGreaterThanOrEqual(0.015);
  });

  it('rejects a label set of the wrong length', () => {
    const { series } = pair();
    expect(() => series.series(['GET'])).toThrow(/expected 2 label values, got 1/);
  });

  it('is reset in place by the registry, so handles resolved once keep counting', async () => {
    const { ours, series } = pair();
    const handle = series.series(['GET', '200']);
    handle.observe(0.05);
    ours.resetMetrics();
    expect(await ours.metrics()).toContain('demo_duration_seconds_count{method="GET",status="200"} 0');
    handle.observe(0.05);
    expect(await ours.metrics()).toContain('demo_duration_seconds_count{method="GET",status="200"} 1');
  });

  it('refuses a second metric of the same name in one registry', () => {
    const { ours } = pair();
    expect(() => new SeriesHistogram({ name: 'demo_duration_seconds', help: 'again', labelNames: ['x'], buckets: BUCKETS, registers: [ours] })).toThrow(
      /already been registered/,
    );
  });
});
