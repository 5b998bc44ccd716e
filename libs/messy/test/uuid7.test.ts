import { describe, expect, it } from 'vitest';
import { createUuidV7Generator } from '../src/uuid7';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('UUIDv7 ids', () => {
  it('are well-formed, unique and sort in the order they were made, within one millisecond and across many', () => {
    let clock = 1_800_000_000_000;
    const next = createUuidV7Generator(() => (clock += Math.random() < 0.01 ? 1 : 0));
    const ids = Array.from({ length: 20_000 }, () => next());
    expect(ids.every((id) => UUID_V7.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    // The random tails come from refills of the pool, not from one repeated slice.
    expect(new Set(ids.map((id) => id.slice(-12))).size).toBe(ids.length);
  });

  it('carry the millisecond, and borrow the next one when 4,096 ids share a millisecond', () => {
    const next = createUuidV7Generator(() => 0x0123456789ab);
    const ids = Array.from({ length: 4_200 }, () => next());
    expect(ids[0]!.replace(/-/g, '').slice(0, 12)).toBe('0123456789ab');
    expect(ids.at(-1)!.replace(/-/g, '').slice(0, 12)).toBe('0123456789ac');
    expect([...ids].sort()).toEqual(ids);
  });
});
