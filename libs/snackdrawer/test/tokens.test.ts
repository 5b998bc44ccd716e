import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../src/passwords';
import { codePoints, nameProblem, usernameProblem } from '../src/text';
import { createTokenVerifier, signToken, tokenKey, verifyToken } from '../src/tokens';

const KEY = await tokenKey(Buffer.from('k'.repeat(32)));

describe('tokens (pure)', () => {
  it('verify what they sign, until expiry plus the 5 s tolerance', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 1, max: 86_400 }), async (id, ttl) => {
        const now = Date.UTC(2026, 0, 1);
        const token = await signToken(KEY, { id, role: 'user' }, ttl, now);
        const verdict = await verifyToken(KEY, token, now);
        expect(verdict).toEqual({ ok: true, claims: { userId: id, jti: expect.any(String), exp: now / 1000 + ttl } });
        expect((await verifyToken(KEY, token, now + (ttl + 4) * 1000)).ok).toBe(true);
        expect(await verifyToken(KEY, token, now + (ttl + 5) * 1000)).toEqual({ ok: false, reason: 'expired_token' });
      }),
    );
  });

  it('reject any single-character change and any other key', async () => {
    const token = await signToken(KEY, { id: 42, role: 'user' }, 900);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: token.length - 1 }), fc.constantFrom(...'ABCabc019-_.'), async (index, replacement) => {
        fc.pre(token[index] !== replacement);
        const altered = token.slice(0, index) + replacement + token.slice(index + 1);
        // base64url's last character can carry unused bits: the same bytes may decode from two spellings.
        const sameBytes = altered.split('.').every((part, i) => Buffer.from(part, 'base64url').equals(Buffer.from(token.split('.')[i]!, 'base64url')));
        fc.pre(!sameBytes);
        expect((await verifyToken(KEY, altered)).ok).toBe(false);
      }),
    );
    expect(await verifyToken(await tokenKey(Buffer.from('x'.repeat(32))), token)).toEqual({ ok: false, reason: 'invalid_token' });
  });
});

describe('tokens (pure): the memo of valid tokens', () => {
  it('answers what a full verification answers, at every time, before and after the token is remembered', async () => {
    const verify = createTokenVerifier(Promise.resolve(KEY));
    const now = Date.UTC(2026, 0, 1);
    const token = await signToken(KEY, { id: 7, role: 'user' }, 60, now);
    const other = await signToken(KEY, { id: 8, role: 'user' }, 60, now);
    for (const at of [now, now + 64_000, now + 30_000, now + 65_000, now]) {
      expect(await verify(token, at)).toEqual(await verifyToken(KEY, token, at));
    }
    expect(await verify(other, now + 65_000)).toEqual({ ok: false, reason: 'expired_token' });
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${Buffer.alloc(32).toString('base64url')}`;
    expect(await verify(forged, now)).toEqual({ ok: false, reason: 'invalid_token' });
  });
});

describe('tokens (pure): what jose alone would let through', () => {
  const secret = 'k'.repeat(32);
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const craft = (header: Record<string, unknown>, payload: Record<string, unknown>) => {
    const input = `${b64(header)}.${b64(payload)}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  };
  const now = Date.UTC(2026, 0, 1);
  const claims = { iss: 'snackdrawer', aud: 'snackdrawer', sub: '42', iat: now / 1000, exp: now / 1000 + 60 };

  it('accepts the reference token, with or without typ', async () => {
    expect((await verifyToken(KEY, craft({ alg: 'HS256', typ: 'JWT' }, claims), now)).ok).toBe(true);
    expect((await verifyToken(KEY, craft({ alg: 'HS256' }, claims), now)).ok).toBe(true);
  });

  it.each([
    ['crit b64', { alg: 'HS256', typ: 'JWT', crit: ['b64'], b64: true }, claims],
    ['typ other than JWT', { alg: 'HS256', typ: 'at+jwt' }, claims],
    ['sub zero', { alg: 'HS256' }, { ...claims, sub: '0' }],
    ['sub with a sign', { alg: 'HS256' }, { ...claims, sub: '+42' }],
    ['sub not decimal', { alg: 'HS256' }, { ...claims, sub: '4e2' }],
    ['sub above 2^53-1', { alg: 'HS256' }, { ...claims, sub: '9007199254740992' }],
    ['sub a number', { alg: 'HS256' }, { ...claims, sub: 42 }],
    ['nbf in the future', { alg: 'HS256' }, { ...claims, nbf: now / 1000 + 60 }],
    ['exp a string', { alg: 'HS256' }, { ...claims, exp: String(now / 1000 + 60) }],
  ])('refuses %s as invalid_token', async (_name, header, payload) => {
    expect(await verifyToken(KEY, craft(header, payload), now)).toEqual({ ok: false, reason: 'invalid_token' });
  });
});

describe('passwords (pure)', () => {
  it('verify the right password only, with the parameters stored in the hash', async () => {
    const stored = await hashPassword('correct horse', 14);
    expect(stored.startsWith('$scrypt$ln=14,r=8,p=1$')).toBe(true);
    expect(await verifyPassword('correct horse', stored)).toBe(true);
    expect(await verifyPassword('correct hors', stored)).toBe(false);
    expect(await verifyPassword('correct horse', stored.replace('ln=14', 'ln=15'))).toBe(false);
    expect(await verifyPassword('correct horse', 'not a hash')).toBe(false);
  });
});

describe('text rules (pure)', () => {
  it('count code points, not UTF-16 units', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (value) => {
        expect(codePoints(value)).toBe(value.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '_').length);
      }),
    );
    expect(usernameProblem('🍪🍩🍫')).toBeUndefined();
    expect(usernameProblem('🍪🍩')).toBeDefined();
    expect(nameProblem('\u0085')).toBeDefined();
    expect(nameProblem('\u00a0x')).toBeUndefined();
  });
});
