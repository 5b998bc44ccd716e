import { createHash } from 'node:crypto';
import { HttpError, redisKey, type PlatformConfig, type Redis } from '@platform/platform';
import type { MessageInput } from './validation';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const TTL_SECONDS = 24 * 3600;

export type WriteKind = 'single' | 'batch';

interface IdempotencyRecord {
  fp: string;
  state: 'pending' | 'done' | 'failed';
  /** Until then a pending record belongs to the request in flight. */
  lease: number;
  ids: string[];
  created_at: string;
}

export type Claim =
  | { outcome: 'new' | 'retry'; ids: string[]; createdAt: string }
  | { outcome: 'done'; ids: string[] };

// Atomic claim: a fresh key, a replay, a request still in flight, a reuse with other content, or a
// retry after a failure (or after the first request's lease ran out) that takes the same ids over.
const CLAIM_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[5])
  return {'new', ARGV[1]}
end
local rec = cjson.decode(current)
if rec.fp ~= ARGV[2] then return {'mismatch', current} end
if rec.state == 'done' then return {'done', current} end
if rec.state == 'pending' and tonumber(rec.lease) > tonumber(ARGV[3]) then return {'busy', current} end
rec.state = 'pending'
rec.lease = tonumber(ARGV[4])
local updated = cjson.encode(rec)
redis.call('SET', KEYS[1], updated, 'KEEPTTL')
return {'retry', updated}
`;

const SETTLE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local rec = cjson.decode(current)
rec.state = ARGV[1]
redis.call('SET', KEYS[1], cjson.encode(rec), 'KEEPTTL')
return 1
`;

export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header === 'string' && KEY_PATTERN.test(header)) return header;
  throw new HttpError(422, 'validation_failed', 'Invalid request', [
    { path: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters', code: 'invalid_format', in: 'header' },
  ]);
}

/** Matching requests hit the same kind of endpoint with the same normalised fields. */
export function requestFingerprint(kind: WriteKind, messages: MessageInput[]): string {
  const canonical = messages.map((m) => [m.username, m.city, m.state, m.message]);
  return createHash('sha256').update(JSON.stringify([kind, canonical])).digest('base64url');
}

export function createIdempotencyStore(redis: Redis, config: PlatformConfig, leaseMs: number) {
  const key = (idempotencyKey: string) => redisKey(config, 'messy', 'idem', createHash('sha256').update(idempotencyKey).digest('base64url'));
  return {
    /** Claims `idempotencyKey` for a request whose fresh ids would be `ids`. */
    async claim(idempotencyKey: string, fingerprint: string, ids: string[], createdAt: string): Promise<Claim> {
      const now = Date.now();
      const fresh: IdempotencyRecord = { fp: fingerprint, state: 'pending', lease: now + leaseMs, ids, created_at: createdAt };
      const [outcome, raw] = (await redis.eval(
        CLAIM_SCRIPT,
        1,
        key(idempotencyKey),
        JSON.stringify(fresh),
        fingerprint,
        String(now),
        String(now + leaseMs),
        String(TTL_SECONDS),
      )) as [string, string];
      const record = JSON.parse(raw) as IdempotencyRecord;
      switch (outcome) {
        case 'mismatch':
          throw new HttpError(422, 'idempotency_key_reused', 'This Idempotency-Key was used for a different request');
        case 'busy':
          throw new HttpError(409, 'conflict', 'A request with this Idempotency-Key is still in flight', null, { 'Retry-After': '1' });
        case 'done':
          return { outcome: 'done', ids: record.ids };
        default:
          return { outcome: outcome as 'new' | 'retry', ids: record.ids, createdAt: record.created_at };
      }
    },
    async settle(idempotencyKey: string, state: 'done' | 'failed'): Promise<void> {
      await redis.eval(SETTLE_SCRIPT, 1, key(idempotencyKey), state);
    },
  };
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;
