import { HttpError, redisKey, type Logger, type PlatformConfig, type Redis } from '@platform/platform';
import type { Kysely } from 'kysely';
import type { MessyConfig } from './config';
import type { MessyDb } from './db';
import type { MessyMetrics, SnapshotTrigger } from './metrics';
import { readSnapshotFigures, pruneSecondCounts, recountAggregates } from './repository';
import { renderStats, snapshotFromFigures, type RenderedStats, type Snapshot } from './stats-body';

const MEMORY_TTL_MS = 500;
const MAX_LOGGED_DRIFT_KEYS = 100;

// Keeps the newer snapshot when a scheduled build and a forced refresh race.
const STORE_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'at')
if current and tonumber(current) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'at', ARGV[1], 'body', ARGV[2])
redis.call('DEL', KEYS[2])
return 1
`;

interface Cached {
  loadedAt: number;
  snapshot: Snapshot;
  failed: boolean;
  fresh?: RenderedStats;
  stale?: RenderedStats;
}

/** Builds snapshots from the aggregate tables, keeps them in Redis, serves them with ≤ 500 ms memory. */
export function createStatsService(deps: {
  db: Kysely<MessyDb>;
  redis: Redis;
  platformConfig: PlatformConfig;
  config: MessyConfig;
  logger: Logger;
  metrics: Pick<MessyMetrics, 'snapshots'>;
}) {
  const { db, redis, platformConfig, config, logger, metrics } = deps;
  const snapshotKey = redisKey(platformConfig, 'messy', 'stats', 'snapshot');
  const failedKey = redisKey(platformConfig, 'messy', 'stats', 'failed');
  const driftKey = redisKey(platformConfig, 'messy', 'stats', 'drift');
  const staleAfterMs = 2 * config.MESSY_STATS_INTERVAL_MS + 2_000;
  let cached: Cached | undefined;
  let loading: Promise<Cached | undefined> | undefined;
  let firstBuild: Promise<Snapshot> | undefined;

  const build = async (trigger: SnapshotTrigger): Promise<Snapshot> => {
    const snapshot = snapshotFromFigures(await readSnapshotFigures(db));
    await redis.eval(STORE_SCRIPT, 2, snapshotKey, failedKey, String(snapshot.generatedAtMs), JSON.stringify(snapshot.figures));
    metrics.snapshots.inc({ trigger });
    cached = undefined;
    return snapshot;
  };

  const load = async (): Promise<Cached | undefined> => {
    const [[, at], [, body], [, failed]] = (await redis
      .multi()
      .hget(snapshotKey, 'at')
      .hget(snapshotKey, 'body')
      .exists(failedKey)
      .exec()) as unknown as [[unknown, string | null], [unknown, string | null], [unknown, number]];
    if (at === null || body === null) return undefined;
    return {
      loadedAt: Date.now(),
      snapshot: { generatedAtMs: Number(at), figures: JSON.parse(body) as Snapshot['figures'] },
      failed: failed === 1,
    };
  };

  const current = async (): Promise<Cached> => {
    if (cached && Date.now() - cached.loadedAt <= MEMORY_TTL_MS) return cached;
    loading ??= load().finally(() => {
      loading = undefined;
    });
    const loaded = await loading;
    if (loaded) return (cached = loaded);
    // No snapshot yet: the first request builds one, one build at a time.
    firstBuild ??= build('first_request').finally(() => {
      firstBuild = undefined;
    });
    try {
      const snapshot = await firstBuild;
      return (cached = { loadedAt: Date.now(), snapshot, failed: false });
    } catch (error) {
      logger.warn({ err: error }, 'messy: the first statistics snapshot could not be built');
      throw new HttpError(503, 'unavailable', 'Statistics are not available yet; retry shortly', null, { 'Retry-After': '1' });
    }
  };

  return {
    /** The served snapshot, rendered; stale when the last refresh failed or it is too old. */
    async serve(): Promise<RenderedStats> {
      const entry = await current();
      const stale = entry.failed || Date.now() - entry.snapshot.generatedAtMs > staleAfterMs;
      if (stale) return (entry.stale ??= renderStats(entry.snapshot, true));
      return (entry.fresh ??= renderStats(entry.snapshot, false));
    },
    /** The scheduled job: a failure marks the last good snapshot stale instead of replacing it. */
    async refreshScheduled(): Promise<void> {
      try {
        await build('scheduled');
        await pruneSecondCounts(db);
      } catch (error) {
        await redis.set(failedKey, '1').catch(() => undefined);
        throw error;
      }
    },
    async refreshNow(): Promise<RenderedStats> {
      const snapshot = await build('refresh');
      return renderStats(snapshot, false);
    },
    async ageSeconds(): Promise<number> {
      const at = await redis.hget(snapshotKey, 'at');
      return at === null ? Number.NaN : (Date.now() - Number(at)) / 1_000;
    },
    async recount(): Promise<{ drift: number; checked_at: string }> {
      const rows = await recountAggregates(db);
      const drift = rows.reduce((sum, row) => sum + Math.abs(row.want - row.have), 0);
      await redis.set(driftKey, String(drift));
      if (drift > 0) logger.warn({ drift, keys: rows.slice(0, MAX_LOGGED_DRIFT_KEYS) }, 'messy: recount found drifting aggregates');
      else logger.info('messy: recount found no drift');
      return { drift, checked_at: new Date().toISOString() };
    },
    async lastDrift(): Promise<number> {
      return Number((await redis.get(driftKey)) ?? 0);
    },
  };
}

export type StatsService = ReturnType<typeof createStatsService>;
