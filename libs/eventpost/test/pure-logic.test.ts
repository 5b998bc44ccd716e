import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeText, foldLine } from '../src/ics';
import { canonicalJson } from '../src/idempotency';
import { codePointLength } from '../src/text';
import { wallTimeToInstant, zoneOffsetMs } from '../src/time';

const ZONES = ['UTC', 'Europe/Madrid', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Santiago', 'Pacific/Chatham'];

function wallOf(instantMs: number, zone: string): { date: string; time: string } {
  const iso = new Date(instantMs + zoneOffsetMs(zone, instantMs)).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 19) };
}

describe('pure logic properties', () => {
  it('maps a wall time back to the earliest instant that shows it', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: Date.UTC(1950, 0, 1) / 1000, max: Date.UTC(2060, 0, 1) / 1000 }), (zone, seconds) => {
        const instant = seconds * 1000;
        const { date, time } = wallOf(instant, zone);
        const back = wallTimeToInstant(date, time, zone).getTime();
        expect(back).toBeLessThanOrEqual(instant);
        expect(wallOf(back, zone)).toEqual({ date, time });
      }),
      { numRuns: 400 },
    );
  });

  it('folds any line into ≤ 75-octet lines that unfold to the original', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
        const line = `DESCRIPTION:${escapeText(text)}`;
        const parts = foldLine(line).split('\r\n');
        for (const part of parts) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(75);
        expect(parts.map((part, i) => (i ? part.slice(1) : part)).join('')).toBe(line);
      }),
    );
  });

  it('escapes TEXT reversibly and leaves no bare newline, comma or semicolon', () => {
    const unescape = (value: string) => value.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }).map((s) => s.replace(/\r/g, '')), (text) => {
        const escaped = escapeText(text);
        expect(escaped).not.toMatch(/\n|(?<!\\)[;,]/);
        expect(unescape(escaped)).toBe(text);
      }),
    );
  });

  it('hashes JSON values the same whatever their key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(value));
      }),
    );
  });

  it('counts code points, so an emoji is one character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite', maxLength: 50 }), (text) => {
        expect(codePointLength(text)).toBe([...text].length);
      }),
    );
  });
});
