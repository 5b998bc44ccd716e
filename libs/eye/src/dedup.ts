import { createHash } from 'node:crypto';
import type { Redis } from '@platform/platform';
import { unavailable } from './http-errors';

/** A claim's value while its event is not yet durably queued, and once it is. */
const PENDING = 'p';
const COMMITTED = 'c';
/** A pending claim outlives any commit attempt (its timeout is 5 s); a crashed holder's claim then lapses. */
const PENDING_TTL_MS = 15_000;
const WAIT_LIMIT_MS = 8_000;
const POLL_MS = 10;

/** SET NX per key; answers each key's previous value (false where the claim was taken). */
const CLAIM_SCRIPT = `
local previous = {}
for i, key in ipairs(KEYS) do
  local value = redis.call('GET', key)
  if value then previous[i] = value else redis.call('SET', key, ARGV[1], 'PX', ARGV[2]); previous[i] = false end
end
return previous`;
const COMMIT_SCRIPT = `
for _, key in ipairs(KEYS) do redis.call('SET', key, ARGV[1], 'EX', ARGV[2]) end
return #KEYS`;

type ClaimResult = 'claimed' | 'duplicate';

/**
 * Deduplication claims in Redis: `SET NX` decides which copy is the original; the others wait until the
 * original is durably queued (duplicate) or its commit failed and the claim was released (claim again).
 */
export function createDedupClaims(redis: Redis, keyOf: (application: string, dedupKey: string) => string, windowSeconds: number) {
  /** Claims held by this process: copies here wait on the promise instead of polling Redis. */
  const local = new Map<string, Promise<boolean>>();

  // One script call per request rather than a pipeline: building an ioredis Pipeline costs more CPU than the claim.
  const trySet = async (keys: string[]): Promise<(string | null)[]> => {
    const values = (await runScript(redis, CLAIM_SCRIPT, keys, [PENDING, String(PENDING_TTL_MS)])) as (string | false | null)[];
    return values.map((value) => (typeof value === 'string' ? value : null));
  };

  return {
    /**
     * Classifies each (application, dedup key): `claimed` (this caller holds the claim and must `settle` it)
     * or `duplicate` (an original is durably queued).
     */
    async claim(application: string, dedupKeys: string[]): Promise<ClaimResult[]> {
      const keys = dedupKeys.map((dedupKey) => keyOf(application, dedupKey));
      const results: ClaimResult[] = new Array(keys.length);
      let open = keys.map((_key, index) => index);
      const deadline = Date.now() + WAIT_LIMIT_MS;
      while (open.length) {
        const previous = await trySet(open.map((index) => keys[index]!));
        const waiting: number[] = [];
        previous.forEach((value, position) => {
          const index = open[position]!;
          if (value === null) results[index] = 'claimed';
          else if (value === COMMITTED) results[index] = 'duplicate';
          else waiting.push(index);
        });
        if (!waiting.length) break;
        if (Date.now() > deadline) throw unavailable('A copy of this event is still being queued; retry', 1);
        const localWaits = waiting.map((index) => local.get(keys[index]!)).filter((wait) => wait !== undefined);
        await (localWaits.length ? Promise.race([Promise.all(localWaits), sleep(WAIT_LIMIT_MS)]) : sleep(POLL_MS));
        open = waiting;
      }
      return results;
    },

    /** Takes the claim if nobody holds it, without waiting: false while a copy is pending or committed. */
    async tryClaim(application: string, dedupKey: string): Promise<boolean> {
      const [previous] = await trySet([keyOf(application, dedupKey)]);
      return previous === null;
    },

    /** Registers this process's claims so local copies can wait on them; resolve with `settle`. */
    hold(application: string, dedupKeys: string[]): (committed: boolean) => void {
      let settle!: (committed: boolean) => void;
      const done = new Promise<boolean>((resolve) => {
        settle = resolve;
      });
      const keys = dedupKeys.map((dedupKey) => keyOf(application, dedupKey));
      for (const key of keys) local.set(key, done);
      return (committed) => {
        for (const key of keys) if (local.get(key) === done) local.delete(key);
        settle(committed);
      };
    },

    /** The original is durably queued: copies from now on are duplicates for the window. */
    async markCommitted(fullKeys: string[]): Promise<void> {
      if (!fullKeys.length) return;
      await runScript(redis, COMMIT_SCRIPT, fullKeys, [COMMITTED, String(windowSeconds)]);
    },

    /** The original's commit failed: let a retry claim the key again. */
    async release(application: string, dedupKeys: string[]): Promise<void> {
      if (!dedupKeys.length) return;
      await redis.del(...dedupKeys.map((dedupKey) => keyOf(application, dedupKey))).catch(() => undefined);
    },

    keyOf,
  };
}

export type DedupClaims = ReturnType<typeof createDedupClaims>;

const SHA = new Map([CLAIM_SCRIPT, COMMIT_SCRIPT].map((script) => [script, createHash('sha1').update(script).digest('hex')]));

/** EVALSHA, loading the script on its first use (or after a Redis restart): the text is not resent per call. */
async function runScript(redis: Redis, script: string, keys: string[], args: string[]): Promise<unknown> {
  try {
    return await redis.evalsha(SHA.get(script)!, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(script, keys.length, ...keys, ...args);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
