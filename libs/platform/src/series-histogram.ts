import type { Metric, Registry } from 'prom-client';

/** One exposition sample, in the shape prom-client's Registry formats. */
export interface Sample {
  metricName: string;
  labels: Readonly<Record<string, string | number>>;
  value: number;
}

/** One label set of a {@link SeriesHistogram}: per-bucket counts (the last one is `+Inf`), sum and count. */
export class HistogramSeries {
  private readonly counts: Float64Array;
  private total = 0;
  private observations = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Adds one value; a non-finite one (never a measured duration) is dropped rather than poisoning the sum. */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.bounds;
    let bucket = 0;
    while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
    this.counts[bucket]! += 1;
    this.total += value;
    this.observations += 1;
  }

  /**
   * Observes how long `run`'s promise takes to settle, fulfilled or rejected, and returns that same promise: observing
   * beside it costs one reaction, not another async frame on the caller's path.
   */
  time<T>(run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const observe = () => this.observe((performance.now() - started) / 1_000);
    const pending = run();
    pending.then(observe, observe);
    return pending;
  }

  zero(): void {
    this.counts.fill(0);
    this.total = 0;
    this.observations = 0;
  }

  samples(name: string): Sample[] {
    const samples: Sample[] = [];
    let cumulative = 0;
    this.bounds.forEach((bound, bucket) => {
      cumulative += this.counts[bucket]!;
      samples.push({ metricName: `${name}_bucket`, labels: { le: bound, ...this.labels }, value: cumulative });
    });
    samples.push({ metricName: `${name}_bucket`, labels: { le: '+Inf', ...this.labels }, value: this.observations });
    samples.push({ metricName: `${name}_sum`, labels: this.labels, value: this.total });
    samples.push({ metricName: `${name}_count`, labels: this.labels, value: this.observations });
    return samples;
  }
}

type SeriesTree = Map<string, SeriesTree | HistogramSeries>;

export interface SeriesHistogramOptions<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  buckets: readonly number[];
  registers: Registry[];
}

/**
 * A Prometheus histogram for per-request hot paths. `series(values)` finds a label set through a tree of Maps keyed by
 * the values themselves and `observe` only finds the bucket and adds; prom-client's `observe(labels, value)` instead
 * validates the label object, joins it into a key string and turns each bucket bound into a property name on every
 * call, which was most of the metrics' cost on a small request. The text exposition is prom-client's own: the
 * registry reads this through `get()`, as it reads its own metric classes.
 */
export class SeriesHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly labelNames: readonly L[];
  private readonly bounds: readonly number[];
  private readonly tree: SeriesTree = new Map();
  private readonly all: HistogramSeries[] = [];

  constructor(options: SeriesHistogramOptions<L>) {
    if (options.labelNames.length === 0) throw new Error(`${options.name}: a SeriesHistogram needs at least one label`);
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    this.bounds = [...options.buckets].sort((a, b) => a - b);
    // prom-client's Registry accepts any object with name, help, type, get() and reset(); its type names only its classes.
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The series of one label set, created at zero (so it is exported) the first time; values follow `labelNames`. */
  series(values: readonly string[]): HistogramSeries {
    if (values.length !== this.labelNames.length) {
      throw new Error(`${this.name}: expected ${this.labelNames.length} label values, got ${values.length}`);
    }
    let node = this.tree;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      let next = node.get(values[i]!) as SeriesTree | undefined;
      if (!next) {
        next = new Map();
        node.set(values[i]!, next);
      }
      node = next;
    }
    const found = node.get(values[last]!) as HistogramSeries | undefined;
    if (found) return found;
    const labels = Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]!]));
    const created = new HistogramSeries(labels, this.bounds);
    node.set(values[last]!, created);
    this.all.push(created);
    return created;
  }

  async get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Sample[] }> {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.all.flatMap((series) => series.samples(this.name)),
    };
  }

  /** Zeroes every series in place: handles callers resolved once stay valid. */
  reset(): void {
    for (const series of this.all) series.zero();
  }
}
