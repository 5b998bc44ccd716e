// Enough of PromQL's lexicon to tell metric names from functions, keywords and label names.
const NON_METRICS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset',
  'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'predict_linear', 'histogram_quantile', 'abs', 'ceil',
  'floor', 'round', 'clamp', 'clamp_min', 'clamp_max', 'time', 'vector', 'scalar', 'label_replace', 'label_join',
  'absent', 'absent_over_time', 'changes', 'resets', 'sort', 'sort_desc', 'timestamp', 'exp', 'ln', 'log2', 'log10',
  'sqrt', 'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time', 'last_over_time',
  'quantile_over_time', 'stddev_over_time', 'present_over_time', 'inf', 'nan',
]);
/** Series that Prometheus makes itself rather than scraping. */
const SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/** The metric names an expression reads (histogram `_bucket`/`_sum`/`_count` kept as written). */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values and strings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range selectors and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // grouping label lists
    .replace(/\$\w+|\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, ' '); // template variables and numbers
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = match[0];
    const followedByCall = /^\s*\(/.test(stripped.slice(match.index + name.length));
    if (!followedByCall && !NON_METRICS.has(name) && !SYNTHETIC.has(name)) names.add(name);
  }
  return [...names];
}

/** The metric families a Prometheus text exposition declares (`# TYPE name kind`), with histogram series names. */
export function exposedMetricNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, kind] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (kind === 'histogram' || kind === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name! + suffix);
  }
  return names;
}
