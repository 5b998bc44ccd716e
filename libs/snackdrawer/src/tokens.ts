import { randomUUID, webcrypto } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

/** HS256 JWTs with `jose`: the claims of spec §4, verified strictly (alg, signature, iss, aud, sub, exp). */

type CryptoKey = webcrypto.CryptoKey;

const ALGORITHM = 'HS256';
const ISSUER = 'snackdrawer';
const AUDIENCE = 'snackdrawer';
const CLOCK_TOLERANCE_S = 5;
const SUBJECT = /^[1-9][0-9]{0,15}$/;

export interface TokenClaims {
  userId: number;
  jti: string;
  exp: number;
}

export type TokenVerdict = { ok: true; claims: TokenClaims } | { ok: false; reason: 'invalid_token' | 'expired_token' };

/**
 * Import the secret once per process: given raw bytes or a KeyObject, jose would import or look up a
 * WebCrypto key on every call, which doubles the cost of each verification.
 */
export function tokenKey(secret: Buffer): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

export function signToken(key: CryptoKey, user: { id: number; role: string }, ttlSeconds: number, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({ role: user.role })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(String(user.id))
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .setJti(randomUUID())
    .sign(key);
}

export async function verifyToken(key: CryptoKey, token: string, now = Date.now()): Promise<TokenVerdict> {
  const invalid: TokenVerdict = { ok: false, reason: 'invalid_token' };
  try {
    const { payload, protectedHeader } = await jwtVerify(token, key, {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ['sub', 'exp'],
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: new Date(now),
    });
    // Stricter than jose: no critical extensions at all (jose would accept `b64`), and only `JWT` as `typ`.
    if (protectedHeader.crit !== undefined || (protectedHeader.typ !== undefined && protectedHeader.typ !== 'JWT')) return invalid;
    // jose checks only that `sub` is present: it must be a decimal user id in a string.
    const { sub, exp, jti } = payload as { sub: unknown; exp: number; jti?: unknown };
    if (typeof sub !== 'string' || !SUBJECT.test(sub) || Number(sub) > Number.MAX_SAFE_INTEGER) return invalid;
    return { ok: true, claims: { userId: Number(sub), jti: typeof jti === 'string' ? jti : '', exp } };
  } catch (error) {
    return error instanceof errors.JWTExpired ? { ok: false, reason: 'expired_token' } : invalid;
  }
}

/**
 * `verifyToken` with a per-process memo of the tokens already found valid. WebCrypto's HMAC is asynchronous and
 * costs more than the rest of a request's authentication, while a client presents the same token on every request.
 * Everything about a valid token but its expiry is fixed by its bytes and the key, so a hit re-checks only `exp`
 * (with the same tolerance); anything not yet found valid is verified in full.
 */
export function createTokenVerifier(key: Promise<CryptoKey>, maxEntries = 10_000): (token: string, now?: number) => Promise<TokenVerdict> {
  const valid = new Map<string, TokenClaims>();
  return async (token, now = Date.now()) => {
    const known = valid.get(token);
    if (known) {
      if (known.exp + CLOCK_TOLERANCE_S > now / 1000) return { ok: true, claims: known };
      valid.delete(token);
      return { ok: false, reason: 'expired_token' };
    }
    const verdict = await verifyToken(await key, token, now);
    if (verdict.ok) {
      if (valid.size >= maxEntries) valid.clear();
      valid.set(token, verdict.claims);
    }
    return verdict;
  };
}
