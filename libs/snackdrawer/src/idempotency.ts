import { createHash } from 'node:crypto';
import { HttpError, redisKey, type PlatformConfig, type Redis } from '@platform/platform';
import type { Request } from 'express';

const KEY = /^[\x21-\x7e]{1,255}$/;
const PENDING_MS = 60_000;
const KEEP_MS = 24 * 3600_000;

export interface Outcome {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface Stored {
  fingerprint: string;
  outcome?: Outcome;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

/**
 * `Idempotency-Key` for the module's POSTs: the first request with a key runs, a retry with the same body
 * gets the stored answer (`Idempotent-Replayed: true`), the same key with another body → 422. Keys are
 * scoped to the caller and the route; bodies are kept only as a SHA-256 fingerprint.
 */
export class IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly config: Pick<PlatformConfig, 'REDIS_PREFIX'>,
  ) {}

  async run(req: Request, callerScope: string, body: unknown, work: () => Promise<Outcome>): Promise<Outcome> {
    const header = req.headers['idempotency-key'];
    if (header === undefined) return work();
    if (typeof header !== 'string' || !KEY.test(header)) {
      throw new HttpError(422, 'validation_failed', 'Invalid request', [
        { path: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters', code: 'invalid_format', in: 'header' },
      ]);
    }
    const scope = `${callerScope}|${req.method} ${req.route?.path as string}|${JSON.stringify(req.params)}|${header}`;
    const key = redisKey(this.config, 'snackdrawer', 'idempotency', sha256(scope));
    const fingerprint = sha256(JSON.stringify(body));
    for (let attempt = 0; attempt < 3; attempt++) {
      const claimed = await this.redis.set(key, JSON.stringify({ fingerprint } satisfies Stored), 'PX', PENDING_MS, 'NX');
      if (claimed === 'OK') return this.execute(key, fingerprint, work);
      const text = await this.redis.get(key);
      if (text === null) continue;
      const stored = JSON.parse(text) as Stored;
      if (stored.fingerprint !== fingerprint) {
        throw new HttpError(422, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request body');
      }
      if (!stored.outcome) {
        throw new HttpError(409, 'conflict', 'A request with this Idempotency-Key is still in progress', null, { 'Retry-After': '1' });
      }
      return { ...stored.outcome, headers: { ...stored.outcome.headers, 'Idempotent-Replayed': 'true' } };
    }
    throw new HttpError(409, 'conflict', 'A request with this Idempotency-Key is still in progress', null, { 'Retry-After': '1' });
  }

  private async execute(key: string, fingerprint: string, work: () => Promise<Outcome>): Promise<Outcome> {
    let outcome: Outcome;
    try {
      outcome = await work();
    } catch (error) {
      await this.redis.del(key).catch(() => undefined);
      throw error;
    }
    await this.redis.set(key, JSON.stringify({ fingerprint, outcome } satisfies Stored), 'PX', KEEP_MS);
    return outcome;
  }
}
