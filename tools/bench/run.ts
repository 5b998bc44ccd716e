// `npm run bench -- [module[:scenario] ...] [--duration s] [--connections n] [--processes n] [--rounds n] [--cpu-prof]
//   [--node path ...] [--checkout dir]`
// Builds the gateway, runs each scenario against a fresh database and Redis prefix, measures the bare node:http
// baseline (on the gateway's Node binary) right after it with the same load, and writes BENCHMARKS.md and
// tools/bench/results/*.json.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, USAGE, UsageError } from './args';
import { CleanupStack } from './cleanup';
import { deleteRedisKeys, dropLeftoverDatabases, runId as newRunId } from './environment';
import { buildGateway, startBaselineServers } from './gateway';
import { stopAllLoad } from './load';
import { currentCommit, describeMachine } from './machine';
import { measureScenario, type RunShared, type RuntimeUnderTest } from './measure';
import { nodeRuntime } from './node-runtime';
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

  const nodes = (options.nodes.length ? options.nodes : [process.execPath]).map(nodeRuntime);
  const gatewayRoot = options.checkout === null ? root : resolve(options.checkout);
  if (!existsSync(join(gatewayRoot, 'tools/build.mjs')) || !existsSync(join(gatewayRoot, 'node_modules'))) {
    throw new Error(`--checkout ${gatewayRoot} is not a checkout of this repo with its npm ci done`);
  }
  // Another runtime or another commit than the current code's: recorded apart, as the comparison section.
  const isComparison = nodes.length > 1 || gatewayRoot !== root;

  installSignalHandlers(cleanup);
  cleanup.push('run lock', await acquireRunLock((message) => console.log(message)));
  const runId = newRunId();
  const logDir = mkdtempSync(join(tmpdir(), `${runId}-`));
  const machine = describeMachine();
  const commit = currentCommit(gatewayRoot);
  console.log(
    `bench ${runId}: ${selected.length} scenario(s) at ${commit} on ${nodes.map((node) => `Node ${node.version}`).join(' and ')}, ` +
      `${options.durationSeconds} s each, ${options.connections} connections, ${options.processes} process(es); logs in ${logDir}`,
  );

  buildGateway(gatewayRoot);
  await dropLeftoverDatabases();
  const smtp = await startSmtpSink();
  cleanup.push('smtp sink', smtp.close);
  const runtimes: RuntimeUnderTest[] = [];
  for (const node of nodes) runtimes.push({ ...node, baseline: await startBaselineServers(root, node, options.processes, logDir, cleanup) });
  cleanup.push(`redis keys ${runId}:*`, async () => void (await deleteRedisKeys(runId)));
  const shared: RunShared = { gatewayRoot, resultsDir, options, runId, logDir, cleanup, smtp, machine, commit };

  const records: BenchRecord[] = [];
  const failures: RunFile['failures'] = [];
  let measurement = 0;
  // Each scenario on each runtime in turn (20, 24, 20, 24...), so that both see the same neighbours.
  for (const scenario of selected) {
    for (const runtime of runtimes) {
      if (aborting) break;
      const id = `${scenarioId(scenario)} on Node ${runtime.version}`;
      try {
        const record = await measureScenario(scenario, measurement++, shared, runtime);
        records.push(record);
        console.log(describeRecord(record));
      } catch (error) {
        if (aborting) break;
        const message = (error as Error).message;
        failures.push({ id, error: message });
        console.error(`✗ ${id} failed: ${message}`);
      }
    }
  }
  await cleanup.runAll();
  if (aborting) return 130;

  const date = new Date().toISOString();
  if (records.length && options.record) {
    const run: RunFile = { runId, date, command: process.argv.slice(2).join(' '), commit, nodes: nodes.map((node) => node.version), machine, records, failures };
    const runFile = writeRunFile(resultsDir, run);
    if (options.cpuProf) {
      // A profiled gateway is slower: its figures explain, they must not replace the published ones.
      console.log(`wrote ${runFile.slice(root.length)} (profiled run: BENCHMARKS.md and latest.json left alone)`);
    } else {
      const stored = mergeIntoStore(resultsDir, run, isComparison);
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
  return `✓ ${record.id} on Node ${record.node}: ${record.figure} ${record.unit}, ${latency}, errors ${record.errors}, peak RSS ${record.peakRssMb} MiB; ${baseline}`;
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
