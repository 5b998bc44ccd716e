import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/** HS256 JWTs with node:crypto: the claims of spec §4, verified strictly (alg, signature, iss, aud, sub, exp). */

const ISSUER = 'snackdrawer';
const AUDIENCE = 'snackdrawer';
const CLOCK_TOLERANCE_S = 5;
const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
const SUBJECT = /^[1-9][0-9]{0,15}$/;

export interface TokenClaims {
  userId: number;
  jti: string;
  exp: number;
}

export type TokenVerdict = { ok: true; claims: TokenClaims } | { ok: false; reason: 'invalid_token' | 'expired_token' };

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

function signature(key: Buffer, signingInput: string): Buffer {
  return createHmac('sha256', key).update(signingInput).digest();
}

export function signToken(key: Buffer, user: { id: number; role: string }, ttlSeconds: number, now = Date.now()): string {
  const iat = Math.floor(now / 1000);
  const payload = base64url(
    JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: String(user.id), role: user.role, iat, exp: iat + ttlSeconds, jti: randomUUID() }),
  );
  const input = `${HEADER}.${payload}`;
  return `${input}.${signature(key, input).toString('base64url')}`;
}

export function verifyToken(key: Buffer, token: string, now = Date.now()): TokenVerdict {
  const invalid: TokenVerdict = { ok: false, reason: 'invalid_token' };
  const parts = token.split('.');
  if (parts.length !== 3) return invalid;
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart);
  if (!header || header.alg !== 'HS256' || (header.typ !== undefined && header.typ !== 'JWT') || header.crit !== undefined) {
    return invalid;
  }
  const given = Buffer.from(signaturePart, 'base64url');
  const expected = signature(key, `${headerPart}.${payloadPart}`);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return invalid;
  const claims = decodeJson(payloadPart);
  if (!claims || claims.iss !== ISSUER || !audienceMatches(claims.aud)) return invalid;
  if (typeof claims.sub !== 'string' || !SUBJECT.test(claims.sub) || Number(claims.sub) > Number.MAX_SAFE_INTEGER) return invalid;
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) return invalid;
  const nowSeconds = now / 1000;
  if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds + CLOCK_TOLERANCE_S) return invalid;
  if (claims.exp + CLOCK_TOLERANCE_S <= nowSeconds) return { ok: false, reason: 'expired_token' };
  return { ok: true, claims: { userId: Number(claims.sub), jti: typeof claims.jti === 'string' ? claims.jti : '', exp: claims.exp } };
}

function audienceMatches(aud: unknown): boolean {
  return aud === AUDIENCE || (Array.isArray(aud) && aud.includes(AUDIENCE));
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
