import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMicros, normaliseTimestamp, nowMicros, parseTimestamp } from '../src/timestamp';

describe('timestamps', () => {
  it('keeps the challenge format exactly, with microseconds', () => {
    expect(normaliseTimestamp('2021-01-01 09:15:27.243860')).toBe('2021-01-01T09:15:27.243860Z');
    expect(normaliseTimestamp('2021-01-01T09:15:27Z')).toBe('2021-01-01T09:15:27.000000Z');
    expect(normaliseTimestamp('2021-01-01t10:15:27.1234569+01:00')).toBe('2021-01-01T09:15:27.123456Z');
    expect(normaliseTimestamp('2021-01-01 04:00:00-0530')).toBe('2021-01-01T09:30:00.000000Z');
    expect(normaliseTimestamp('1969-12-31 23:59:59.999999')).toBe('1969-12-31T23:59:59.999999Z');
    expect(normaliseTimestamp('0001-01-01 00:00:00')).toBe('0001-01-01T00:00:00.000000Z');
  });

  it('refuses dates and times that do not exist and other shapes', () => {
    for (const text of ['2021-02-30 10:00:00', '2021-13-01 10:00:00', '2021-01-01 24:00:00', '2021-01-01 10:60:00', '2021-01-01 10:00:60',
      '2021-01-01', '2021-01-01 10:00', '2021-01-01 10:00:00.', '2021-01-01 10:00:00.1234567890', '2021-01-01 10:00:00+1', '2021-01-01 10:00:00 Z',
      '21-01-01 10:00:00', '2021-01-01 10:00:00+24:00', '0000-12-31 23:00:00', '0001-01-01 00:30:00+01:00', '2020-02-29 10:00:00x']) {
      expect(parseTimestamp(text), text).toBeUndefined();
    }
    expect(parseTimestamp('2020-02-29 10:00:00')).toBeDefined();
  });

  it('round-trips every output-form time exactly (property)', () => {
    const micros = fc.bigInt({ min: -62_135_596_800_000_000n, max: 253_402_300_799_999_999n });
    fc.assert(
      fc.property(micros, (value) => {
        const text = formatMicros(value);
        expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
        expect(parseTimestamp(text)).toBe(value);
        expect(parseTimestamp(text.replace('T', ' ').slice(0, -1))).toBe(value);
      }),
    );
  });

  it('applies zone offsets as a shift of whole minutes (property)', () => {
    const offset = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 });
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 4_000_000_000_000_000n }), offset, (value, minutes) => {
        const local = formatMicros(value + BigInt(minutes) * 60_000_000n).slice(0, -1);
        const sign = minutes < 0 ? '-' : '+';
        const zone = `${sign}${String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0')}:${String(Math.abs(minutes) % 60).padStart(2, '0')}`;
        expect(parseTimestamp(`${local}${zone}`)).toBe(value);
      }),
    );
  });

  it('reads the clock in microseconds close to Date.now()', () => {
    const micros = nowMicros();
    expect(Number(micros / 1000n) - Date.now()).toBeLessThanOrEqual(5);
  });
});
