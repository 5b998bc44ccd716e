import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUrlEncoded } from '../src/urlencoded';
import { codePointLength, normalizeField, validateMessage } from '../src/validation';

describe('normalizeField', () => {
  it('normalises to NFC, trims, upper-cases states and turns CRLF into LF in messages', () => {
    expect(normalizeField('username', '  Cafe\u0301 ')).toEqual({ value: 'Café' });
    expect(normalizeField('state', ' dc ')).toEqual({ value: 'DC' });
    expect(normalizeField('message', 'a\r\nb\n\tc')).toEqual({ value: 'a\nb\n\tc' });
    expect(normalizeField('city', 'a\u200db')).toEqual({ value: 'a\u200db' }); // ZWJ is a format character
  });

  it('refuses empty and whitespace-only values, control characters, lone surrogates and non-strings', () => {
    expect(normalizeField('username', '   ')).toMatchObject({ error: { code: 'too_small' } });
    expect(normalizeField('username', 'a\u0000b')).toMatchObject({ error: { code: 'control_character' } });
    expect(normalizeField('city', 'a\nb')).toMatchObject({ error: { code: 'control_character' } });
    expect(normalizeField('message', 'a\u0085b')).toMatchObject({ error: { code: 'control_character' } });
    expect(normalizeField('message', 'a\ud800b')).toMatchObject({ error: { code: 'invalid_utf8' } });
    expect(normalizeField('username', 42)).toMatchObject({ error: { code: 'invalid_type' } });
    expect(normalizeField('username', undefined)).toMatchObject({ error: { code: 'required' } });
  });

  it('accepts only the 50 states and DC', () => {
    for (const state of ['XX', 'PR', 'New York', 'GU']) expect(normalizeField('state', state)).toMatchObject({ error: { code: 'invalid_state' } });
  });

  it('counts lengths in code points', () => {
    expect(normalizeField('username', '👋'.repeat(64))).toEqual({ value: '👋'.repeat(64) });
    expect(normalizeField('username', '👋'.repeat(65))).toMatchObject({ error: { code: 'too_big' } });
    expect(normalizeField('message', 'x'.repeat(1000))).toEqual({ value: 'x'.repeat(1000) });
    expect(normalizeField('message', 'x'.repeat(1001))).toMatchObject({ error: { code: 'too_big' } });
  });

  it('only ever returns NFC, trimmed values within the length bound and free of control characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), fc.constantFrom('username', 'city', 'message'), (raw, field) => {
        const result = normalizeField(field as 'username', raw);
        if ('error' in result) return;
        const { value } = result;
        expect(value).toBe(value.normalize('NFC'));
        expect(value).toBe(value.trim());
        expect(codePointLength(value)).toBeGreaterThanOrEqual(1);
        expect(codePointLength(value)).toBeLessThanOrEqual(field === 'message' ? 1000 : 64);
        const allowed = field === 'message' ? /[\n\t]/g : /$^/g;
        // eslint-disable-next-line no-control-regex
        expect(/[\u0000-\u001f\u007f-\u009f]/.test(value.replace(allowed, ''))).toBe(false);
      }),
    );
  });

  it('reports one detail per bad field, with the batch prefix', () => {
    const result = validateMessage({ username: '', city: 'x', state: 'XX' }, 'messages.3.');
    expect(result.errors?.map((e) => e.path)).toEqual(['messages.3.username', 'messages.3.state', 'messages.3.message']);
  });
});

describe('decodeUrlEncoded', () => {
  it('decodes + as a space and percent-encoded UTF-8', () => {
    expect(decodeUrlEncoded('city=New+York&m=%F0%9F%91%8B%20x')).toEqual({ city: 'New York', m: '👋 x' });
  });

  it('marks duplicate names and percent-decoded bytes that are not UTF-8, never replacing them', () => {
    expect(decodeUrlEncoded('a=1&a=2')).toEqual({ a: { invalid: 'duplicate' } });
    expect(decodeUrlEncoded('a=%FF%FE')).toEqual({ a: { invalid: 'invalid_utf8' } });
    expect(decodeUrlEncoded('a=%ED%A0%80')).toEqual({ a: { invalid: 'invalid_utf8' } }); // an encoded surrogate
  });

  it('round-trips any well-formed string through encodeURIComponent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (value) => {
        expect(decodeUrlEncoded(`v=${encodeURIComponent(value)}`)).toEqual({ v: value });
      }),
    );
  });
});
