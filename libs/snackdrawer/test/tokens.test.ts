import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../src/passwords';
import { codePoints, nameProblem, usernameProblem } from '../src/text';
import { signToken, verifyToken } from '../src/tokens';

const KEY = Buffer.from('k'.repeat(32));

describe('tokens (pure)', () => {
  it('verify what they sign, until expiry plus the 5 s tolerance', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 1, max: 86_400 }), (id, ttl) => {
        const now = Date.UTC(2026, 0, 1);
        const token = signToken(KEY, { id, role: 'user' }, ttl, now);
        const verdict = verifyToken(KEY, token, now);
        expect(verdict).toEqual({ ok: true, claims: { userId: id, jti: expect.any(String), exp: now / 1000 + ttl } });
        expect(verifyToken(KEY, token, now + (ttl + 4) * 1000).ok).toBe(true);
        expect(verifyToken(KEY, token, now + (ttl + 5) * 1000)).toEqual({ ok: false, reason: 'expired_token' });
      }),
    );
  });

  it('reject any single-character change and any other key', () => {
    const token = signToken(KEY, { id: 42, role: 'user' }, 900);
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.constantFrom(...'ABCabc019-_.'), (index, replacement) => {
        fc.pre(token[index] !== replacement);
        const altered = token.slice(0, index) + replacement + token.slice(index + 1);
        // base64url's last character can carry unused bits: the same bytes may decode from two spellings.
        const sameBytes = altered.split('.').every((part, i) => Buffer.from(part, 'base64url').equals(Buffer.from(token.split('.')[i]!, 'base64url')));
        fc.pre(!sameBytes);
        expect(verifyToken(KEY, altered).ok).toBe(false);
      }),
    );
    expect(verifyToken(Buffer.from('x'.repeat(32)), token)).toEqual({ ok: false, reason: 'invalid_token' });
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
