import type { Machine } from './machine';
import type { BenchRecord, RunFile, Store } from './results';

const MODULE_ORDER = ['platform', 'santa', 'eye', 'eventpost', 'snackdrawer', 'messy'];

/** The whole BENCHMARKS.md, re-rendered from every stored record so that one module's run keeps the others' sections. */
export function renderBenchmarks(store: Store): string {
  const records = Object.values(store.records);
  const modules = [...new Set(records.map((record) => record.module))].sort(byModuleOrder);
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` ([tools/bench](tools/bench/README.md)) from `tools/bench/results/latest.json`; do not edit by hand.',
    'Every figure is measured on a fresh database against the production build of the gateway, and compared with a bare',
    '`node:http` server answering a small fixed JSON body, loaded right after it with the same autocannon settings on the',
    'same machine: **ratio = figure ÷ baseline req/s**. These machines are shared and noisy: compare ratios, not raw',
    "figures, across runs. *CPU/req* is the CPU time the gateway processes spent per response (the baseline's in",
    'brackets), or per event or message when the scenario counts those, and **CPU ratio = baseline CPU/req ÷ gateway',
    'CPU/req**: it moves less than the ratio when neighbours steal the cores, so on a busy machine it is the steadier',
    'figure. *idle CPU* is what the gateway burns with no load (workers, schedulers), in % of one core, counted in',
    'CPU/req too. *load* is the 1-minute load average when the scenario started (above nproc: busy neighbours).',
    '*Node* is the version the gateway processes ran on; the baseline server ran on the same binary, so each ratio is',
    'within one runtime.',
    '',
  ];
  if (store.comparison) lines.push(...renderComparison(store.comparison, store.records));
  for (const module of modules) {
    const rows = records
      .filter((record) => record.module === module)
      .sort((a, b) => a.name.localeCompare(b.name) || a.settings.processes - b.settings.processes);
    lines.push(`## ${module}`, '');
    lines.push('| scenario | Node | figure | latency mean / p50 / p99 | errors | peak RSS (idle) | baseline | ratio | CPU/req (baseline) | CPU ratio | idle CPU | target | load |');
    lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|');
    for (const record of rows) lines.push(renderRow(record));
    lines.push('');
    const runKey = (record: BenchRecord) => `${record.runId}/${record.settings.connections}/${record.node}`;
    const runs = new Map(rows.map((record) => [runKey(record), record]));
    for (const [key, record] of runs) lines.push(describeRun(record, rows.filter((row) => runKey(row) === key)), '');
  }
  if (modules.length === 0) lines.push('No results yet: run `npm run bench`.', '');
  return lines.join('\n');
}

function renderRow(record: BenchRecord): string {
  const latency = record.latency ? `${num(record.latency.meanMs)} / ${num(record.latency.p50Ms)} / ${num(record.latency.p99Ms)} ms` : '—';
  const baseline = !record.baseline ? '—' : record.unit === 'ms' ? `${num(record.baseline.latency.meanMs)} ms mean` : `${num(record.baseline.figure)} req/s`;
  const cpu = record.cpu ? `${num(record.cpu.usPerRequest)} µs (${record.cpu.baselineUsPerRequest === null ? '—' : num(record.cpu.baselineUsPerRequest)})` : '—';
  const cpuRatio = record.cpu?.ratio == null ? '—' : record.cpu.ratio.toFixed(2);
  const ratio = record.ratio === null ? '—' : record.ratio.toFixed(2);
  const target = record.target ? `${escape(record.target)}${verdict(record)}` : '—';
  const load = record.settings.loadAverage.toFixed(1);
  return `| ${label(record)}: ${escape(record.summary)} | ${record.node} | ${num(record.figure)} ${record.unit} | ${latency} | ${num(record.errors)} | ${num(record.peakRssMb)} MiB${record.idleRssMb === undefined ? '' : ` (idle ${num(record.idleRssMb)})`} | ${baseline} | ${ratio} | ${cpu} | ${cpuRatio} | ${record.idleCpuPercent === undefined ? '—' : `${record.idleCpuPercent}%`} | ${target} | ${load} |`;
}

/** One line per run that produced rows of this table: where, when, and with which settings. */
function describeRun(record: BenchRecord, rows: BenchRecord[]): string {
  const { machine, settings } = record;
  const processes = settings.processes === 1 ? '1 gateway process (ROLE=all)' : `${settings.processes} ROLE=api processes + 1 ROLE=worker`;
  const rounds = settings.rounds > 1 ? `, median of ${settings.rounds} rounds` : '';
  const profiled = settings.cpuProf ? ', **with --cpu-prof (slower)**' : '';
  const names = rows.map(label).join(', ');
  return (
    `${names}: run \`${record.runId}\` on ${record.date.slice(0, 10)} at commit \`${record.commit}\`, gateway and baseline on Node ${record.node}; ${describeMachine(machine)}; ` +
    `${settings.durationSeconds} s per measurement after ${settings.warmupSeconds} s warm-up, ${settings.connections} connections, ${processes}${rounds}${profiled}.`
  );
}

/** The scenario's name, and the process count when the gateway ran as several processes. */
function label(record: BenchRecord): string {
  return record.settings.processes > 1 ? `\`${record.name}\` ×${record.settings.processes} api processes` : `\`${record.name}\``;
}

function describeMachine(machine: Machine): string {
  return `nproc ${machine.nproc}, ${machine.memoryGiB} GiB memory, ${machine.cpu}, harness on Node ${machine.node}`;
}

/**
 * The runtime comparison run: per scenario, each Node's ratio and figure, the bare server's req/s in every round (the
 * noise a reader has to judge), peak RSS, and the current code's latest record beside it.
 */
function renderComparison(run: RunFile, current: Record<string, BenchRecord>): string[] {
  const majors = run.nodes.map((version) => `Node ${version.slice(1).split('.')[0]}`);
  const [first] = run.records;
  if (!first) return [];
  const ids = [...new Set(run.records.map((record) => record.id))];
  const find = (id: string, node: string) => run.records.find((record) => record.id === id && record.node === node);
  const header = ['scenario', ...run.nodes.flatMap((node, index) => [
    `Node ${node}: ratio (figure)`,
    'bare req/s per round',
    'CPU/req (CPU ratio)',
    'peak RSS',
    ...(index > 0 ? [`ratio ÷ Node ${run.nodes[0]}'s`] : []),
  ]), 'current code: ratio (figure), Node, commit'];
  const lines = [
    `## ${majors.join(' vs ')} (same run)`,
    '',
    `Run \`${run.runId}\` on ${run.date.slice(0, 10)}: the gateway built at commit \`${run.commit}\` measured on ${run.nodes.map((node) => `Node ${node}`).join(' and ')},`,
    `each scenario on each binary in turn, with the baseline server on the same binary as the gateway it is compared with;`,
    `${describeMachine(first.machine)}; ${first.settings.durationSeconds} s per measurement after ${first.settings.warmupSeconds} s warm-up, median of ${first.settings.rounds} round(s).`,
    `Command: \`npm run bench -- ${run.command}\`. The last column is the latest record of the current code (the module tables below).`,
    '',
    `| ${header.join(' | ')} |`,
    `|---|${header.slice(1).map(() => '---:').join('|')}|`,
  ];
  for (const id of ids) {
    const cells = run.nodes.flatMap((node, index) => {
      const record = find(id, node);
      const baseline = find(id, run.nodes[0] as string);
      const change = index === 0 ? [] : [record?.ratio != null && baseline?.ratio ? (record.ratio / baseline.ratio).toFixed(2) : '—'];
      if (!record) return ['failed', '—', '—', '—', ...change];
      const rounds = record.rounds.map((round) => (round.baseline === null ? '—' : num(round.baseline))).join(' / ');
      const cpu = record.cpu ? `${num(record.cpu.usPerRequest)} µs (${record.cpu.ratio === null ? '—' : record.cpu.ratio.toFixed(2)})` : '—';
      return [ratioAndFigure(record), rounds, cpu, `${num(record.peakRssMb)} MiB`, ...change];
    });
    const latest = current[id];
    const now = latest ? `${ratioAndFigure(latest)}, Node ${latest.node}, \`${latest.commit}\`` : '—';
    lines.push(`| \`${id}\` | ${cells.join(' | ')} | ${now} |`);
  }
  for (const failure of run.failures) lines.push('', `${failure.id} failed: ${escape(failure.error)}`);
  lines.push('');
  return lines;
}

function ratioAndFigure(record: BenchRecord): string {
  return `${record.ratio === null ? '—' : record.ratio.toFixed(2)} (${num(record.figure)} ${record.unit})`;
}

/** ` ✓` or ` ✗` when the target reads like `>= 3000 req/s` in the record's unit; nothing when it cannot be judged. */
export function verdict(record: Pick<BenchRecord, 'target' | 'figure' | 'unit'>): string {
  const match = /^\s*(>=|<=|>|<|≥|≤)\s*([\d_,.]+)\s*([a-z/]+)?/i.exec(record.target ?? '');
  if (!match) return '';
  const [, operator, rawValue, unit] = match as unknown as [string, string, string, string | undefined];
  if (unit && unit !== record.unit) return '';
  const value = Number(rawValue.replace(/[_,]/g, ''));
  if (!Number.isFinite(value)) return '';
  const met = operator === '>=' || operator === '≥' ? record.figure >= value : operator === '>' ? record.figure > value : operator === '<' ? record.figure < value : record.figure <= value;
  return met ? ' ✓' : ' ✗';
}

function num(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: value >= 100 ? 0 : 2 });
}

function escape(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function byModuleOrder(a: string, b: string): number {
  const rank = (module: string) => (MODULE_ORDER.includes(module) ? MODULE_ORDER.indexOf(module) : MODULE_ORDER.length);
  return rank(a) - rank(b) || a.localeCompare(b);
}
