import type { ChildProcess } from 'node:child_process';
import { sql, type Kysely } from 'kysely';
import { testContext, waitFor, type TestApp } from '@platform/platform/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { INGEST_QUEUE } from '../src/ingest-queue';
import { flood, postWrite, type FloodResult } from './chaos/flood';
import { createGenerator, seededRandom, tally } from './chaos/generator';
import { killHard, spawnStandby, stopGracefully, type GatewayProcess } from './chaos/processes';
import { startMessy } from './helpers';

// CI size; the 50,000-message size runs from tools/bench.
const MESSAGES = Number(process.env.MESSY_CHAOS_MESSAGES ?? 2_000);
const MIN_KILLS = 5;
const BURST = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ChaosRun {
  checker: TestApp;
  baseUrl: string;
  phases: Record<string, number>;
  phase(name: string): void;
  result: FloodResult;
  kills: number;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();

/** A ROLE=api gateway plus two ROLE=worker child processes, flooded while the workers are SIGKILLed. */
async function chaosRun(seed: number, workerEnv: Record<string, string> = {}): Promise<ChaosRun> {
  // The API side is this process's gateway (ROLE=api): the child processes are the workers being killed.
  const checker = await startMessy({ MESSY_STATS_INTERVAL_MS: '1000' }, { workers: false });
  const baseUrl = checker.baseUrl;
  const phases: Record<string, number> = {};
  const started = Date.now();
  const phase = (name: string) => (phases[name] = Math.round((Date.now() - started) / 100) / 10);
  const context = testContext();
  const env = {
    DATABASE_URL: context.databaseUrl,
    REDIS_URL: context.redisUrl,
    REDIS_PREFIX: checker.redisPrefix,
    DATABASE_POOL_MAX: '6',
    MESSY_JOB_LOCK_MS: '1500',
    MESSY_STATS_INTERVAL_MS: '1000',
  };
  const track = <T extends { child: GatewayProcess['child'] }>(process: T): T => {
    children.add(process.child);
    return process;
  };
  const workerEnvironment = { ...env, ROLE: 'worker', ...workerEnv };

  // Warm standbys replace killed workers: a cold start of a gateway process costs seconds of CPU, so every
  // process the run needs (two workers and one replacement per kill) loads at once, before the flood.
  const standbys = Array.from({ length: 2 + MIN_KILLS }, () => track(spawnStandby(workerEnvironment)));
  const workers = await Promise.all(standbys.slice(0, 2).map((standby) => standby.activate()));
  const spares = standbys.slice(2);
  await Promise.all(spares.map((spare) => spare.loaded));
  const queue = checker.platform.deps.queues.queue(INGEST_QUEUE);
  phase('workersUp');
  const random = seededRandom(seed);
  const nextBurstMessage = createGenerator(seed + 1);
  const bursts: FloodResult = { accepted: new Map(), resends: 0, resendMismatches: 0, retries: 0, failures: [] };
  let burstCount = 0;
  /** A big batch right before a kill, so that the victim is likely inside its transaction. */
  const burst = async () => {
    const messages = Array.from({ length: BURST }, nextBurstMessage);
    const ids = await postWrite(baseUrl, { key: `burst-${seed}-${burstCount++}`, messages, batch: true }, random, bursts);
    ids?.forEach((id, index) => bursts.accepted.set(id, messages[index]!));
  };
  let kills = 0;
  let flooding = true;
  const killer = (async () => {
    while (flooding) {
      await sleep(300 + random() * 700);
      const victims = (random() < 0.5 ? [0, 1] : [Math.floor(random() * 2)]).slice(0, spares.length);
      if (!flooding || victims.length === 0) continue;
      await burst();
      // Kill once a worker took the burst's job: inside its transaction (or, in the negative control, with
      // the job already completed and its insert still running).
      const tookAt = Date.now();
      while ((await queue.getJobCountByTypes('waiting', 'prioritized')) > 0 && Date.now() - tookAt < 2_000);
      await Promise.all(victims.map((slot) => killHard(workers[slot]!.child)));
      for (const slot of victims) {
        children.delete(workers[slot]!.child);
        kills++;
        workers[slot] = await spares.shift()!.activate();
      }
    }
  })();
  const result = await flood({
    baseUrl,
    seed,
    total: MESSAGES,
    concurrency: 64,
    messagesPerSecond: 150,
    mayStop: () => kills >= MIN_KILLS,
  });
  phase('floodDone');
  flooding = false;
  await killer;
  for (const [id, message] of bursts.accepted) result.accepted.set(id, message);
  result.failures.push(...bursts.failures);
  return {
    checker,
    baseUrl,
    result,
    kills,
    phases,
    phase,
    async stop() {
      await Promise.all([...children].map((child) => stopGracefully(child)));
      children.clear();
      await checker.close();
    },
  };
}

/** The checker: accepted ids that are not stored, and stored ids nobody was told about. */
async function compareIds(db: Kysely<any>, accepted: Map<string, unknown>) {
  const { rows } = await sql<{ id: string }>`SELECT id FROM messy.messages`.execute(db);
  const stored = new Set(rows.map((row) => row.id));
  return {
    rows: rows.length,
    missing: [...accepted.keys()].filter((id) => !stored.has(id)),
    extra: [...stored].filter((id) => !accepted.has(id)),
  };
}

async function queueIdle(checker: TestApp): Promise<boolean> {
  const queue = checker.platform.deps.queues.queue(INGEST_QUEUE);
  return (await queue.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized')) === 0;
}

describe('chaos: SIGKILLed workers during a flood', () => {
  afterAll(async () => {
    await Promise.all([...children].map((child) => killHard(child)));
  });

  it('loses nothing and duplicates nothing: exact rows, exact stats, zero drift, empty dead-letter queue', { timeout: 300_000 }, async () => {
    const run = await chaosRun(20261130);
    try {
      const { checker, baseUrl, result, kills } = run;
      expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
      expect(result.failures).toEqual([]);
      expect(result.resends).toBeGreaterThan(0);
      expect(result.resendMismatches).toBe(0);
      const db = checker.platform.deps.db;
      await waitFor(async () => (await compareIds(db, result.accepted)).missing.length === 0 && (await queueIdle(checker)), {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: 'every accepted message to be persisted',
      });
      const { rows } = await sql<{ total: number; distinct_ids: number }>`
        SELECT count(*)::int AS total, count(DISTINCT id)::int AS distinct_ids FROM messy.messages`.execute(db);
      expect(rows[0]).toEqual({ total: result.accepted.size, distinct_ids: result.accepted.size });
      expect(await compareIds(db, result.accepted)).toEqual({ rows: result.accepted.size, missing: [], extra: [] });

      run.phase('drained');
      const stats = (await (await fetch(`${baseUrl}/messy/admin/stats/refresh`, { method: 'POST' })).json()) as {
        messages: number;
        users: number;
        cities: number;
        per_state: Record<string, { messages: number; cities: number }>;
      };
      const expected = tally([...result.accepted.values()]);
      expect({ messages: stats.messages, users: stats.users, cities: stats.cities, perState: stats.per_state }).toEqual(expected);
      const recount = (await (await fetch(`${baseUrl}/messy/admin/stats/recount`, { method: 'POST' })).json()) as { drift: number };
      expect(recount.drift).toBe(0);
      expect(await checker.platform.deps.queues.queue(INGEST_QUEUE).getFailedCount()).toBe(0);
      console.log(`chaos: ${result.accepted.size} messages, ${kills} kills, ${result.retries} retries, phases (s) ${JSON.stringify(run.phases)}`);
    } finally {
      await run.stop();
    }
  });

  it('negative control: with MESSY_UNSAFE_EARLY_COMPLETE=1 the checker reports missing ids', { timeout: 300_000 }, async () => {
    const run = await chaosRun(7, { MESSY_UNSAFE_EARLY_COMPLETE: '1' });
    try {
      const { checker, result, kills } = run;
      expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
      await waitFor(() => queueIdle(checker), { timeoutMs: 60_000, intervalMs: 250, what: 'the queue to drain' });
      await sleep(2_000); // the unsafe worker's background inserts finish
      const { missing } = await compareIds(checker.platform.deps.db, result.accepted);
      expect(missing.length).toBeGreaterThan(0);
    } finally {
      await run.stop();
    }
  });
});
