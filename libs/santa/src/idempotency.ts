import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { HttpError, type Redis } from '@platform/platform';
import type { RequestHandler } from 'express';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const TTL_SECONDS = 24 * 3600;
const PENDING = 'pending';

interface Stored {
  fingerprint: string;
  status: number;
  body: unknown;
}

/** AES-256-GCM under a key derived from the Idempotency-Key: a stored reply holding a token is unreadable without it. */
function seal(idempotencyKey: string, slot: string, value: Stored): string {
  const key = Buffer.from(hkdfSync('sha256', idempotencyKey, 'santa-idempotency', slot, 32));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
}

function open(idempotencyKey: string, slot: string, sealed: string): Stored {
  const raw = Buffer.from(sealed, 'base64');
  const key = Buffer.from(hkdfSync('sha256', idempotencyKey, 'santa-idempotency', slot, 32));
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as Stored;
}

/**
 * `Idempotency-Key` on creating POSTs: the first successful reply is kept for a day (per caller, path and key)
 * and replayed to a retry with the same body; the same key with another body is 422, one still running is 409.
 */
export function idempotent(redis: Redis, slotKey: (hash: string) => string): RequestHandler {
  return async (req, res, next) => {
    const idempotencyKey = req.headers['idempotency-key'];
    if (idempotencyKey === undefined) return next();
    if (typeof idempotencyKey !== 'string' || !KEY_PATTERN.test(idempotencyKey)) {
      throw new HttpError(422, 'validation_failed', 'Invalid request', [{ path: 'Idempotency-Key', message: 'must be 1–255 visible ASCII characters', code: 'custom', in: 'header' }]);
    }
    const slot = createHash('sha256')
      .update(`${req.method} ${req.baseUrl}${req.path}\n${req.headers.authorization ?? ''}\n${idempotencyKey}`)
      .digest('hex');
    const key = slotKey(slot);
    const fingerprint = createHash('sha256').update(JSON.stringify(req.body ?? null)).digest('hex');
    const claimed = await redis.set(key, PENDING, 'EX', TTL_SECONDS, 'NX');
    if (claimed !== 'OK') {
      const existing = await redis.get(key);
      if (existing === null || existing === PENDING) throw new HttpError(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is still running');
      const stored = open(idempotencyKey, slot, existing);
      if (stored.fingerprint !== fingerprint) throw new HttpError(422, 'idempotency_key_reused', 'This Idempotency-Key was used with another request body');
      res.setHeader('Idempotent-Replayed', 'true');
      return void res.status(stored.status).json(stored.body);
    }
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (res.statusCode >= 200 && res.statusCode < 300) {
        redis.set(key, seal(idempotencyKey, slot, { fingerprint, status: res.statusCode, body }), 'EX', TTL_SECONDS).catch(() => undefined);
      } else {
        redis.del(key).catch(() => undefined);
      }
      return json(body);
    };
    res.once('close', () => {
      if (!res.writableFinished) redis.del(key).catch(() => undefined);
    });
    next();
  };
}
