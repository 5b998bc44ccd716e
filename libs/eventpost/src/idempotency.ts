import { createHash } from 'node:crypto';
import { HttpError } from '@platform/platform';
import type { Request } from 'express';
import type { CachedResponse } from './cache';
import type { EventpostRepository } from './repository';
import { badRequest } from './wire';

const KEY = /^[\x21-\x7e]{1,255}$/;

/** JSON with sorted object keys: the same value hashes the same whatever its key order or spacing. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Runs a POST at most once per `Idempotency-Key` and scope: the first 201 is replayed for the same
 * body, a different body is 422, a request racing the first one is 409. Non-201 outcomes are forgotten.
 */
export async function idempotent(
  req: Request,
  repository: EventpostRepository,
  scope: string,
  run: () => Promise<CachedResponse>,
): Promise<CachedResponse> {
  const key = req.headers['idempotency-key'];
  if (key === undefined) return run();
  if (typeof key !== 'string' || !KEY.test(key)) {
    throw badRequest('Idempotency-Key must be 1–255 visible ASCII characters', [{ path: 'Idempotency-Key', message: 'invalid key' }]);
  }
  const hash = createHash('sha256').update(canonicalJson(req.body)).digest('base64url');
  const claim = await repository.claimIdempotencyKey(scope, key, hash);
  if (!claim.claimed) {
    if (claim.requestHash !== hash) {
      throw new HttpError(422, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request body');
    }
    if (claim.response === null) {
      throw new HttpError(409, 'conflict', 'A request with this Idempotency-Key is still running', null, { 'Retry-After': '1' });
    }
    const replay = JSON.parse(claim.response) as CachedResponse;
    return { ...replay, headers: { ...replay.headers, 'Idempotency-Replayed': 'true' } };
  }
  let outcome: CachedResponse | undefined;
  try {
    outcome = await run();
    return outcome;
  } finally {
    const remembered = outcome?.status === 201 ? JSON.stringify(outcome) : null;
    await repository.completeIdempotencyKey(scope, key, remembered);
  }
}
