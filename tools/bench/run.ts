// `npm run bench -- [module[:scenario] ...] [--duration s] [--connections n] [--processes n] [--cpu-prof]`
// Builds the gateway, runs each scenario against a fresh database and Redis prefix, measures the bare node:http
// baseline right after it with the same load, and writes BENCHMARKS.md and tools/bench/results/*.json.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, USAGE, UsageError, type BenchOptions } from './args';
import { CleanupStack } from './cleanup';
import { createScenarioDatabase, deleteRedisKeys, dropLeftoverDatabases, redisUrl, runId as newRunId, type ScenarioDatabase } from './environment';
import { buildGateway, startBaselineServers, startGateways } from './gateway';
import { httpScenarioResult } from './http-result';
import { createLoadRunner, stopAllLoad } from './load';
import { currentCommit, describeMachine, type Machine } from './machine';
import { sampleMemory } from './memory';
import { renderBenchmarks } from './report';
import { mergeIntoStore, THROUGHPUT_UNITS, writeRunFile, type BaselineFigure, type BenchRecord, type RunFile } from './results';
import type { Scenario, ScenarioContext } from './scenario';
import { loadScenarios, scenarioId, selectScenarios } from './scenario-files';
import { startSmtpSink } from './smtp-sink';

const root = fileURLToPath(new URL('../..', import.meta.url));
const benchDir = join(root, 'tools/bench');
const resultsDir = join(benchDir, 'results');
const BASELINE_WARMUP_SECONDS = 2;

interface RunShared {
  options: BenchOptions;
  runId: string;
  logDir: string;
  smtp: { url: string; received(): number };
  baseline: { baseUrls: string[] };
  machine: Machine;
  commit: string;
}

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
    for (const scenario of loaded.scenarios) console.log(`${scenarioId(scenario).padEnd(32)} ${scenario.summary}`);
    return 0;
  }

  const runId = newRunId();
  installSignalHandlers(cleanup);
  const logDir = mkdtempSync(join(tmpdir(), `${runId}-`));
  const machine = describeMachine();
  console.log(`bench ${runId}: ${selected.length} scenario(s), ${options.durationSeconds} s each, ${options.connections} connections, ${options.processes} process(es); logs in ${logDir}`);

  buildGateway(root);
  await dropLeftoverDatabases();
  const smtp = await startSmtpSink();
  cleanup.push('smtp sink', smtp.close);
  const baseline = await startBaselineServers(root, options.processes, logDir);
  cleanup.push('baseline servers', baseline.stop);
  cleanup.push(`redis keys ${runId}:*`, async () => void (await deleteRedisKeys(runId)));
  const shared: RunShared = { options, runId, logDir, smtp, baseline, machine, commit: currentCommit(root) };

  const records: BenchRecord[] = [];
  const failures: RunFile['failures'] = [];
  for (const [index, scenario] of selected.entries()) {
    if (aborting) break;
    const id = scenarioId(scenario);
    try {
      const record = await measure(scenario, index, shared);
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
  if (records.length) {
    const runFile = writeRunFile(resultsDir, { runId, date, commit: shared.commit, machine, records, failures });
    const stored = mergeIntoStore(resultsDir, records);
    writeFileSync(join(root, 'BENCHMARKS.md'), renderBenchmarks(stored));
    console.log(`wrote BENCHMARKS.md, tools/bench/results/latest.json and ${runFile.slice(root.length)}`);
  }
  if (failures.length) {
    console.error(`${failures.length} scenario(s) failed; gateway logs kept in ${logDir}`);
    return 1;
  }
  rmSync(logDir, { recursive: true, force: true });
  return 0;
}

/** One scenario on its own database, Redis prefix and gateway process(es), then the baseline with the same load. */
async function measure(scenario: Scenario, index: number, shared: RunShared): Promise<BenchRecord> {
  const { options, runId } = shared;
  const databaseName = `${runId}_${index}`;
  const database = await createScenarioDatabase(databaseName);
  const dropDatabase = cleanup.push(`database ${databaseName}`, database.drop);
  const clearRedis = cleanup.push(`redis keys of ${databaseName}`, async () => void (await deleteRedisKeys(redisPrefixOf(databaseName))));
  const { result, peak, connections } = await measureGateway(scenario, shared, database).finally(async () => {
    await clearRedis();
    await dropDatabase();
  });
  const throughput = THROUGHPUT_UNITS.has(result.unit);
  const baseline = throughput && !aborting ? await measureBaseline(shared, connections) : null;
  return {
    id: scenarioId(scenario),
    module: scenario.module,
    name: scenario.name,
    summary: scenario.summary,
    ...(scenario.target ? { target: scenario.target } : {}),
    ...result,
    peakRssMb: peak.peakRssMb,
    hwmMb: peak.hwmMb,
    baseline,
    ratio: baseline && baseline.figure > 0 ? Math.round((result.figure / baseline.figure) * 1000) / 1000 : null,
    settings: { durationSeconds: options.durationSeconds, warmupSeconds: options.warmupSeconds, connections, processes: options.processes, cpuProf: options.cpuProf },
    machine: shared.machine,
    date: new Date().toISOString(),
    commit: shared.commit,
  };
}

/** Starts the gateway process(es) for the scenario, warms up, measures, and stops them again. */
async function measureGateway(scenario: Scenario, shared: RunShared, database: ScenarioDatabase) {
  const { options, runId } = shared;
  const gateway = await startGateways({
    root,
    processes: options.processes,
    logDir: shared.logDir,
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: redisPrefixOf(database.name),
      SMTP_URL: shared.smtp.url,
      ...scenario.gatewayEnv,
    },
    cpuProfile: options.cpuProf ? { dir: resultsDir, name: `${runId}-${scenario.module}-${scenario.name}` } : undefined,
  });
  const stopGateway = cleanup.push(`gateway for ${scenarioId(scenario)}`, gateway.stop);
  try {
    const context = (durationSeconds: number, warmingUp: boolean) => {
      const load = createLoadRunner({ baseUrls: gateway.baseUrls, connections: options.connections, durationSeconds });
      const scenarioContext: ScenarioContext = {
        baseUrl: gateway.baseUrls[0] as string,
        baseUrls: gateway.baseUrls,
        connections: options.connections,
        durationSeconds,
        warmingUp,
        autocannon: (autocannonOptions) => load.run(autocannonOptions),
        query: (sql, params) => database.query(sql, params),
        log: (message) => console.log(`  [${scenarioId(scenario)}] ${message}`),
        mailsReceived: shared.smtp.received,
      };
      return { load, scenarioContext };
    };
    if (scenario.warmup !== false && options.warmupSeconds > 0) {
      await (scenario.warmup ?? scenario.run)(context(options.warmupSeconds, true).scenarioContext);
    }
    const { load, scenarioContext } = context(options.durationSeconds, false);
    const memory = sampleMemory(gateway.pids);
    const outcome = await scenario.run(scenarioContext).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    const peak = memory.stop();
    if ('error' in outcome) throw outcome.error;
    return { result: outcome.result, peak, connections: load.peakConnections() };
  } finally {
    await stopGateway();
  }
}

function redisPrefixOf(databaseName: string): string {
  return databaseName.replace(/_(\d+)$/, ':$1');
}

async function measureBaseline(shared: RunShared, connections: number): Promise<BaselineFigure> {
  const { options } = shared;
  const warm = createLoadRunner({ baseUrls: shared.baseline.baseUrls, connections, durationSeconds: Math.min(options.warmupSeconds, BASELINE_WARMUP_SECONDS) });
  if (options.warmupSeconds > 0) await warm.run({});
  const load = createLoadRunner({ baseUrls: shared.baseline.baseUrls, connections, durationSeconds: options.durationSeconds });
  const result = httpScenarioResult(await load.run({}));
  return { figure: result.figure, unit: 'req/s', latency: result.latency as BaselineFigure['latency'], errors: result.errors, connections };
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
