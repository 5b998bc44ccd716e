import { loadavg } from 'node:os';
import type { BenchOptions } from './args';
import type { CleanupStack } from './cleanup';
import { cpuSeconds } from './cpu';
import { createScenarioDatabase, deleteRedisKeys, redisUrl, type ScenarioDatabase } from './environment';
import { startGateways, type Gateway } from './gateway';
import { productionDefaults } from './gateway-env';
import { httpScenarioResult } from './http-result';
import { createLoadRunner } from './load';
import type { Machine } from './machine';
import { sampleMemory, type MemoryPeak } from './memory';
import type { NodeRuntime } from './node-runtime';
import { THROUGHPUT_UNITS, type BaselineFigure, type BenchRecord, type CpuFigure, type RoundFigure } from './results';
import type { Scenario, ScenarioContext, ScenarioResult } from './scenario';
import { scenarioId } from './scenario-files';

const BASELINE_WARMUP_SECONDS = 2;
const IDLE_CPU_WINDOW_MS = 2_000;

export interface RunShared {
  /** The checkout whose gateway is measured (this one unless `--checkout`). */
  gatewayRoot: string;
  resultsDir: string;
  options: BenchOptions;
  runId: string;
  logDir: string;
  cleanup: CleanupStack;
  smtp: { url: string; received(): number };
  machine: Machine;
  commit: string;
}

/** A Node binary under test and the baseline server(s) running on it. */
export interface RuntimeUnderTest extends NodeRuntime {
  baseline: { baseUrls: string[]; pids: number[] };
}

interface Round {
  result: ScenarioResult;
  peak: MemoryPeak;
  connections: number;
  baseline: BaselineFigure | null;
  ratio: number | null;
  cpu: CpuFigure | null;
}

/**
 * One scenario on its own database, Redis prefix and gateway process(es): warm-up, then `rounds` times the scenario
 * followed by the baseline with the same load (interleaved, so that both see the same neighbours on a shared machine).
 */
export async function measureScenario(scenario: Scenario, index: number, shared: RunShared, runtime: RuntimeUnderTest): Promise<BenchRecord> {
  const { options, runId, cleanup } = shared;
  const databaseName = `${runId}_${index}`;
  const loadAverage = Math.round(loadavg()[0]! * 100) / 100;
  const database = await createScenarioDatabase(databaseName);
  const dropDatabase = cleanup.push(`database ${databaseName}`, database.drop);
  const clearRedis = cleanup.push(`redis keys of ${databaseName}`, async () => void (await deleteRedisKeys(redisPrefixOf(databaseName))));
  let rounds: Round[];
  let idleRssMb: number;
  let idleCpuPercent: number;
  try {
    const gateway = await startScenarioGateways(scenario, shared, runtime, database);
    try {
      idleRssMb = sampleMemory(gateway.pids).stop().peakRssMb;
      ({ rounds, idleCpuPercent } = await measureRounds(scenario, shared, runtime, database, gateway));
    } finally {
      await gateway.stop();
    }
  } finally {
    await clearRedis();
    await dropDatabase();
  }

  const median = medianRound(rounds);
  return {
    id: scenarioId(scenario),
    runId,
    module: scenario.module,
    name: scenario.name,
    summary: scenario.summary,
    node: runtime.version,
    ...(scenario.target ? { target: scenario.target } : {}),
    ...median.result,
    errors: rounds.reduce((sum, round) => sum + round.result.errors, 0),
    peakRssMb: Math.max(...rounds.map((round) => round.peak.peakRssMb)),
    hwmMb: Math.max(...rounds.map((round) => round.peak.hwmMb)),
    idleRssMb,
    idleCpuPercent,
    baseline: median.baseline,
    ratio: median.ratio,
    cpu: medianCpu(rounds),
    rounds: rounds.map(({ result, baseline, ratio, cpu }): RoundFigure => ({ figure: result.figure, baseline: baseline?.figure ?? null, ratio, cpuRatio: cpu?.ratio ?? null })),
    settings: {
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
      connections: median.connections,
      processes: options.processes,
      rounds: options.rounds,
      cpuProf: options.cpuProf,
      loadAverage,
    },
    machine: shared.machine,
    date: new Date().toISOString(),
    commit: shared.commit,
  };
}

function startScenarioGateways(scenario: Scenario, shared: RunShared, runtime: RuntimeUnderTest, database: ScenarioDatabase): Promise<Gateway> {
  const { options } = shared;
  return startGateways({
    root: shared.gatewayRoot,
    node: runtime.path,
    processes: options.processes,
    logDir: shared.logDir,
    cleanup: shared.cleanup,
    env: {
      ...productionDefaults(),
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: redisPrefixOf(database.name),
      SMTP_URL: shared.smtp.url,
      ...scenario.gatewayEnv,
    },
    cpuProfile: options.cpuProf ? { dir: shared.resultsDir, name: `${shared.runId}-${scenario.module}-${scenario.name}-${runtime.version}` } : undefined,
  });
}

async function measureRounds(
  scenario: Scenario,
  shared: RunShared,
  runtime: RuntimeUnderTest,
  database: ScenarioDatabase,
  gateway: Gateway,
): Promise<{ rounds: Round[]; idleCpuPercent: number }> {
  const { options } = shared;
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
  const idleCpuPercent = await measureIdleCpu(gateway.pids);
  const rounds: Round[] = [];
  let baselineWarm = false;
  for (let round = 0; round < options.rounds; round++) {
    const { load, scenarioContext } = context(options.durationSeconds, false);
    const memory = sampleMemory(gateway.pids);
    const cpuBefore = cpuSeconds(gateway.pids);
    const outcome = await scenario.run(scenarioContext).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    const cpuUsed = cpuSeconds(gateway.pids) - cpuBefore;
    const peak = memory.stop();
    if ('error' in outcome) throw outcome.error;
    const { result } = outcome;
    const connections = load.peakConnections();
    let baseline: BaselineFigure | null = null;
    // Any scenario that sent HTTP load gets a baseline (for its CPU cost); only throughput figures get a ratio.
    if (load.completedRequests() > 0) {
      if (!baselineWarm) await warmBaseline(shared, runtime, connections);
      baselineWarm = true;
      baseline = await measureBaseline(shared, runtime, connections);
    }
    const ratio = baseline && baseline.figure > 0 && THROUGHPUT_UNITS.has(result.unit) ? round3(result.figure / baseline.figure) : null;
    const cpu = cpuFigure(cpuUsed, result.items ?? load.completedRequests(), baseline?.cpuUsPerRequest ?? null);
    rounds.push({ result, peak, connections, baseline, ratio, cpu });
    if (options.rounds > 1) {
      const versus = baseline ? `, baseline ${baseline.figure} req/s, ratio ${ratio}` : '';
      console.log(`  [${scenarioId(scenario)}] round ${round + 1}: ${result.figure} ${result.unit}${versus}${cpu ? `, CPU ratio ${cpu.ratio}` : ''}`);
    }
  }
  return { rounds, idleCpuPercent };
}

/** The gateway's background work (workers polling, schedulers, metrics) with no load, in % of one core. */
async function measureIdleCpu(pids: number[]): Promise<number> {
  const before = cpuSeconds(pids);
  await new Promise((resolve) => setTimeout(resolve, IDLE_CPU_WINDOW_MS));
  return Math.round(((cpuSeconds(pids) - before) / (IDLE_CPU_WINDOW_MS / 1000)) * 1000) / 10;
}

async function warmBaseline(shared: RunShared, runtime: RuntimeUnderTest, connections: number): Promise<void> {
  const seconds = Math.min(shared.options.warmupSeconds, BASELINE_WARMUP_SECONDS);
  if (seconds > 0) await createLoadRunner({ baseUrls: runtime.baseline.baseUrls, connections, durationSeconds: seconds }).run({});
}

async function measureBaseline(shared: RunShared, runtime: RuntimeUnderTest, connections: number): Promise<BaselineFigure> {
  const load = createLoadRunner({ baseUrls: runtime.baseline.baseUrls, connections, durationSeconds: shared.options.durationSeconds });
  const cpuBefore = cpuSeconds(runtime.baseline.pids);
  const result = httpScenarioResult(await load.run({}));
  const cpuUsed = cpuSeconds(runtime.baseline.pids) - cpuBefore;
  const completed = load.completedRequests();
  return {
    figure: result.figure,
    unit: 'req/s',
    latency: result.latency as BaselineFigure['latency'],
    errors: result.errors,
    connections,
    cpuUsPerRequest: completed > 0 ? round3((cpuUsed * 1e6) / completed) : null,
  };
}

function cpuFigure(cpuUsedSeconds: number, requests: number, baselineUsPerRequest: number | null): CpuFigure | null {
  if (requests === 0) return null;
  const usPerRequest = round3((cpuUsedSeconds * 1e6) / requests);
  const ratio = baselineUsPerRequest !== null && usPerRequest > 0 ? round3(baselineUsPerRequest / usPerRequest) : null;
  return { usPerRequest, baselineUsPerRequest, ratio };
}

/** The round whose CPU ratio is the median, for the record's `cpu` (independent of the throughput median). */
function medianCpu(rounds: Round[]): CpuFigure | null {
  const measured = rounds.map((round) => round.cpu).filter((cpu): cpu is CpuFigure => cpu !== null);
  if (measured.length === 0) return null;
  const sorted = measured.sort((a, b) => (a.ratio ?? a.usPerRequest) - (b.ratio ?? b.usPerRequest));
  return sorted[Math.floor((sorted.length - 1) / 2)] as CpuFigure;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** The round with the median ratio (or median figure when there is no baseline): with one round, that round. */
function medianRound(rounds: Round[]): Round {
  const key = (round: Round) => round.ratio ?? round.result.figure;
  const sorted = [...rounds].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)] as Round;
}

export function redisPrefixOf(databaseName: string): string {
  return databaseName.replace(/_(\d+)$/, ':$1');
}
