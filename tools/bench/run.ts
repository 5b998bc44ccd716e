// `npm run bench -- [module[:scenario] ...] [--duration s] [--connections n] [--processes n] [--rounds n] [--cpu-prof]`
// Builds the gateway, runs each scenario against a fresh database and Redis prefix, measures the bare node:http
// baseline right after it with the same load, and writes BENCHMARKS.md and tools/bench/results/*.json.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, USAGE, UsageError } from './args';
import { CleanupStack } from './cleanup';
import { deleteRedisKeys, dropLeftoverDatabases, runId as newRunId } from './environment';
import { buildGateway, startBaselineServers } from './gateway';
import { stopAllLoad } from './load';
import { currentCommit, describeMachine } from './machine';
import { measureScenario, type RunShared } from './measure';
import { renderBenchmarks } from './report';
import { acquireRunLock } from './run-lock';
import { mergeIntoStore, writeRunFile, type BenchRecord, type RunFile } from './results';
import { loadScenarios, scenarioId, selectScenarios } from './scenario-files';
import { startSmtpSink } from './smtp-sink';

const root = fileURLToPath(new URL('../..', import.meta.url));
const benchDir = join(root, 'tools/bench');
const resultsDir = join(benchDir, 'results');

const cleanup = new CleanupStack();
let aborting = false;

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const loaded = await loadScenarios(join(benchDir, 'scenarios'));
  for (const { file, error } of loaded.broken) console.warn(`! skipped scenarios/${file}: ${error}`);
  const brokenSelected = options.selectors.filter((selector) => loaded.broken.some(({ file }) => file === `${selector.split(':')[0]}.ts`));
  if (brokenSelected.length) throw new Error(`the scenarios of ${brokenSelected.join(', ')} do not load (see above)`);
  const selected = selectScenarios(loaded.scenarios, options.selectors);
  if (options.list) {
    for (const scenario of loaded.scenarios) console.log(`${scenarioId(scenario).padEnd(40)} ${scenario.summary}`);
    return 0;
  }

  installSignalHandlers(cleanup);
  cleanup.push('run lock', await acquireRunLock((message) => console.log(message)));
  const runId = newRunId();
  const logDir = mkdtempSync(join(tmpdir(), `${runId}-`));
  const machine = describeMachine();
  console.log(`bench ${runId}: ${selected.length} scenario(s), ${options.durationSeconds} s each, ${options.connections} connections, ${options.processes} process(es); logs in ${logDir}`);

  buildGateway(root);
  await dropLeftoverDatabases();
  const smtp = await startSmtpSink();
  cleanup.push('smtp sink', smtp.close);
  const baseline = await startBaselineServers(root, options.processes, logDir, cleanup);
  cleanup.push(`redis keys ${runId}:*`, async () => void (await deleteRedisKeys(runId)));
  const shared: RunShared = { root, resultsDir, options, runId, logDir, cleanup, smtp, baseline, machine, commit: currentCommit(root) };

  const records: BenchRecord[] = [];
  const failures: RunFile['failures'] = [];
  for (const [index, scenario] of selected.entries()) {
    if (aborting) break;
    const id = scenarioId(scenario);
    try {
      const record = await measureScenario(scenario, index, shared);
      records.push(record);
      console.log(describeRecord(record));
    } catch (error) {
      if (aborting) break;
      const message = (error as Error).message;
      failures.push({ id, error: message });
      console.error(`✗ ${id} failed: ${message}`);
    }
  }
  await cleanup.runAll();
  if (aborting) return 130;

  const date = new Date().toISOString();
  if (records.length && options.record) {
    const runFile = writeRunFile(resultsDir, { runId, date, commit: shared.commit, machine, records, failures });
    if (options.cpuProf) {
      // A profiled gateway is slower: its figures explain, they must not replace the published ones.
      console.log(`wrote ${runFile.slice(root.length)} (profiled run: BENCHMARKS.md and latest.json left alone)`);
    } else {
      const stored = mergeIntoStore(resultsDir, records);
      writeFileSync(join(root, 'BENCHMARKS.md'), renderBenchmarks(stored));
      console.log(`wrote BENCHMARKS.md, tools/bench/results/latest.json and ${runFile.slice(root.length)}`);
    }
  }
  if (failures.length) {
    console.error(`${failures.length} scenario(s) failed; gateway logs kept in ${logDir}`);
    return 1;
  }
  rmSync(logDir, { recursive: true, force: true });
  return 0;
}

function describeRecord(record: BenchRecord): string {
  const latency = record.latency ? `mean ${record.latency.meanMs} / p50 ${record.latency.p50Ms} / p99 ${record.latency.p99Ms} ms` : 'no latency';
  const baseline = record.baseline ? `baseline ${record.baseline.figure} req/s, ratio ${record.ratio}` : 'no baseline';
  return `✓ ${record.id}: ${record.figure} ${record.unit}, ${latency}, errors ${record.errors}, peak RSS ${record.peakRssMb} MiB; ${baseline}`;
}

function installSignalHandlers(cleanup: CleanupStack): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (aborting) return;
      aborting = true;
      console.error(`\n${signal}: stopping the load, the gateway and the baseline, dropping the databases and Redis keys...`);
      stopAllLoad();
      void cleanup.runAll().finally(() => process.exit(130));
    });
  }
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    await cleanup.runAll();
    if (error instanceof UsageError) {
      if (error.message) console.error(error.message);
      console.error(USAGE);
      process.exit(2);
    }
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
