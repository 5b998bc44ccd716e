import { redisKey, type Logger, type Redis } from '@platform/platform';
import type { Counter } from 'prom-client';

export type CacheResource = 'event' | 'event_list' | 'notification' | 'notification_list' | 'ics';
/** Generation families: one per record (`ev:<id>`) and one per collection (`ev`), likewise `nt`. */
export type Family = 'ev' | 'nt';

export interface CachedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface CacheLookup {
  hit: CachedResponse | undefined;
  /** Pass back to `fill`: the generation read before the database was, so a late fill lands in a dead key. */
  slot: string | undefined;
}

// One round trip: epoch and generation are read with the entry, so the key is always the current one.
const LOOKUP = `
local epoch = redis.call('GET', ARGV[1] .. ':epoch') or '0'
local gen = redis.call('GET', ARGV[1] .. ':g:' .. ARGV[2]) or '0'
local key = ARGV[1] .. ':c:' .. epoch .. ':' .. ARGV[3] .. ':' .. gen
return {key, redis.call('GET', key)}
`;

// Generations come from one counter, so a generation key that expired and came back never reuses a value.
const BUMP = `
local n = redis.call('INCR', ARGV[1] .. ':seq')
for i = 3, #ARGV do redis.call('SET', ARGV[1] .. ':g:' .. ARGV[i], n, 'EX', ARGV[2]) end
return n
`;

type ScriptRedis = Redis & {
  eventpostLookup(prefix: string, generation: string, entry: string): Promise<[string, string | null]>;
  eventpostBump(prefix: string, ttl: number, ...generations: string[]): Promise<number>;
};

/**
 * The shared response cache. Every entry key embeds the generation of what it depends on, so an
 * invalidation is one INCR-and-SET and can never be overtaken by a fill computed from older rows.
 * An invalidation that could not reach Redis marks this process dirty: it bumps the global epoch
 * (dropping every entry) before it reads from the cache again.
 */
export class ResponseCache {
  private readonly redis: ScriptRedis;
  private readonly prefix: string;
  private dirty = false;
  private repairTimer: NodeJS.Timeout | undefined;

  constructor(
    redis: Redis,
    redisPrefix: string,
    private readonly ttlSeconds: number,
    private readonly requests: Counter<'resource' | 'result'>,
    private readonly logger: Logger,
  ) {
    this.prefix = redisKey({ REDIS_PREFIX: redisPrefix }, 'eventpost');
    this.redis = redis as ScriptRedis;
    if (typeof this.redis.eventpostLookup !== 'function') {
      redis.defineCommand('eventpostLookup', { numberOfKeys: 0, lua: LOOKUP });
      redis.defineCommand('eventpostBump', { numberOfKeys: 0, lua: BUMP });
    }
  }

  /** `generation` is `ev` or `ev:<id>`; `entry` names the response within it (`ev:<id>`, `evl:<query>`). */
  async lookup(resource: CacheResource, generation: string, entry: string): Promise<CacheLookup> {
    if (this.dirty && !(await this.repair())) return this.miss(resource);
    try {
      const [slot, raw] = await this.redis.eventpostLookup(this.prefix, generation, entry);
      if (raw === null) return this.miss(resource, slot);
      this.requests.inc({ resource, result: 'hit' });
      return { hit: JSON.parse(raw) as CachedResponse, slot };
    } catch {
      return this.miss(resource);
    }
  }

  private miss(resource: CacheResource, slot?: string): CacheLookup {
    this.requests.inc({ resource, result: 'miss' });
    return { hit: undefined, slot };
  }

  async fill(slot: string | undefined, response: CachedResponse): Promise<void> {
    if (slot === undefined || this.dirty) return;
    await this.redis.set(slot, JSON.stringify(response), 'EX', this.ttlSeconds).catch(() => undefined);
  }

  /** After a commit, before the reply: every listed generation moves on. */
  async invalidate(generations: string[]): Promise<void> {
    try {
      await this.redis.eventpostBump(this.prefix, this.ttlSeconds * 2 + 60, ...generations);
    } catch (error) {
      this.logger.warn({ err: error }, 'eventpost cache invalidation failed; the cache epoch will be bumped');
      this.markDirty();
    }
  }

  private markDirty(): void {
    this.dirty = true;
    if (this.repairTimer) return;
    this.repairTimer = setInterval(() => void this.repair(), 250);
    this.repairTimer.unref();
  }

  private async repair(): Promise<boolean> {
    try {
      await this.redis.incr(`${this.prefix}:epoch`);
      this.dirty = false;
      clearInterval(this.repairTimer);
      this.repairTimer = undefined;
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    clearInterval(this.repairTimer);
  }
}
