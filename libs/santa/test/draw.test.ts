import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDrawInput, drawAssignment, drawCommitment, type DrawMode } from '../src/draw';
import { recomputeInitialPairs, verifyDraw } from '../src/verify';

const LIMIT = 2_000_000;
const ids = (n: number) => Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

function isSingleLoop(receiverOf: number[]): boolean {
  let v = 0;
  for (let steps = 1; steps <= receiverOf.length; steps++) {
    v = receiverOf[v]!;
    if (v === 0) return steps === receiverOf.length;
  }
  return false;
}

const arbitraryDraw = fc
  .record({ n: fc.integer({ min: 1, max: 7 }), mode: fc.constantFrom<DrawMode>('cycle', 'any'), seed: fc.uint8Array({ minLength: 32, maxLength: 32 }) })
  .chain(({ n, mode, seed }) =>
    fc.record({
      n: fc.constant(n),
      mode: fc.constant(mode),
      seed: fc.constant(Buffer.from(seed)),
      exclusions: fc.uniqueArray(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * n, selector: ([g, r]) => g * n + r }),
    }),
  );

describe('santa-draw-v1', () => {
  it('gives a valid assignment exactly when one exists (brute force over every permutation)', () => {
    fc.assert(
      fc.property(arbitraryDraw, ({ n, mode, seed, exclusions }) => {
        const P = ids(n);
        const { input, json } = buildDrawInput({ groupId: 'g', drawId: 'd', mode, participants: P, exclusions: exclusions.map(([g, r]) => [P[g]!, P[r]!]) });
        const excluded = new Set(exclusions.map(([g, r]) => g * n + r));
        const allowed = (g: number, r: number) => g !== r && !excluded.has(g * n + r);
        const valid = permutations(n).filter((p) => p.every((r, g) => allowed(g, r)) && (mode === 'any' || isSingleLoop(p)));
        const outcome = drawAssignment(seed, input, LIMIT);
        if (!outcome.ok) {
          expect(outcome.code).toBe('draw_infeasible');
          expect(valid).toHaveLength(0);
          return;
        }
        expect(valid.length).toBeGreaterThan(0);
        const receiverOf = outcome.pairs.map((pair) => P.indexOf(pair.receiver_id));
        expect(outcome.pairs.map((pair) => pair.giver_id)).toEqual(P);
        expect(new Set(receiverOf).size).toBe(n);
        receiverOf.forEach((r, g) => expect(allowed(g, r)).toBe(true));
        if (mode === 'cycle') expect(isSingleLoop(receiverOf)).toBe(true);
        expect(recomputeInitialPairs(seed.toString('hex'), json)).toEqual(outcome.pairs.map((p) => [p.giver_id, p.receiver_id]));
      }),
      { numRuns: 400 },
    );
  });

  it('explains infeasibility with the first failing check and honest member sets', () => {
    fc.assert(
      fc.property(arbitraryDraw, ({ n, mode, seed, exclusions }) => {
        const P = ids(n);
        const { input } = buildDrawInput({ groupId: 'g', drawId: 'd', mode, participants: P, exclusions: exclusions.map(([g, r]) => [P[g]!, P[r]!]) });
        const outcome = drawAssignment(seed, input, LIMIT);
        if (outcome.ok || outcome.code !== 'draw_infeasible') return;
        const excluded = new Set(exclusions.map(([g, r]) => g * n + r));
        const allowed = (g: number, r: number) => g !== r && !excluded.has(g * n + r);
        const info = outcome.infeasibility;
        const all = [...Array(n).keys()];
        if (info.reason === 'no_possible_giftee') for (const g of info.members) expect(all.some((r) => allowed(g, r))).toBe(false);
        if (info.reason === 'no_possible_santa') for (const r of info.members) expect(all.some((g) => allowed(g, r))).toBe(false);
        if (info.reason === 'hall_violation') {
          const neighbours = all.filter((r) => info.members.some((g) => allowed(g, r)));
          expect(neighbours).toEqual(info.receivers);
          expect(info.receivers.length).toBeLessThan(info.members.length);
        }
        if (info.reason === 'not_strongly_connected') {
          expect(mode).toBe('cycle');
          expect(info.components.flat().sort()).toEqual(all);
          expect(info.components.length).toBeGreaterThan(1);
        }
        if (info.reason === 'no_single_loop') expect(mode).toBe('cycle');
      }),
      { numRuns: 400 },
    );
  });

  it('respects "avoid last draw" pairs added to the exclusions, over successive redraws', () => {
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 30 }), fc.constantFrom<DrawMode>('cycle', 'any'), (n, mode) => {
        const P = ids(n);
        let previous: [string, string][] = [];
        for (let round = 0; round < 3; round++) {
          const { input } = buildDrawInput({ groupId: 'g', drawId: `d${round}`, mode, participants: P, exclusions: previous });
          const outcome = drawAssignment(randomBytes(32), input, LIMIT);
          expect(outcome.ok).toBe(true);
          if (!outcome.ok) return;
          const before = new Set(previous.map(([g, r]) => `${g}|${r}`));
          for (const pair of outcome.pairs) expect(before.has(`${pair.giver_id}|${pair.receiver_id}`)).toBe(false);
          previous = outcome.pairs.map((p) => [p.giver_id, p.receiver_id]);
        }
      }),
      { numRuns: 50 },
    );
  });

  it.each<DrawMode>(['cycle', 'any'])('falls back to the deterministic search when sampling fails (%s) and the verifier agrees', (mode) => {
    const n = 300;
    const P = ids(n);
    // 0, 2 and 4 may each give to one person only: a random permutation fits with odds of about 1 in 300³.
    const exclusions: [string, string][] = [];
    for (const g of [0, 2, 4]) for (let r = 0; r < n; r++) if (r !== g && r !== g + 1) exclusions.push([P[g]!, P[r]!]);
    const seed = randomBytes(32);
    const { input, json } = buildDrawInput({ groupId: 'g', drawId: 'd', mode, participants: P, exclusions });
    const outcome = drawAssignment(seed, input, LIMIT);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    for (const g of [0, 2, 4]) expect(outcome.pairs[g]!.receiver_id).toBe(P[g + 1]);
    expect(new Set(outcome.pairs.map((p) => p.receiver_id)).size).toBe(n);
    expect(outcome.pairs.every((p) => p.giver_id !== p.receiver_id)).toBe(true);
    if (mode === 'cycle') expect(isSingleLoop(outcome.pairs.map((p) => P.indexOf(p.receiver_id)))).toBe(true);
    const result = verifyDraw({
      seed: seed.toString('hex'),
      input: json,
      commitment: drawCommitment(seed, json),
      initial_pairs: outcome.pairs,
      changes: [],
      pairs: outcome.pairs,
    });
    expect(result).toMatchObject({ ok: true, problems: [] });
  });

  it('reports draw_search_exhausted past the search limit, and never loops forever', () => {
    const n = 60;
    const P = ids(n);
    const exclusions: [string, string][] = [];
    for (let g = 0; g < n; g++) for (let d = 4; d < n; d++) exclusions.push([P[g]!, P[(g + d) % n]!]);
    const { input } = buildDrawInput({ groupId: 'g', drawId: 'd', mode: 'cycle', participants: P, exclusions });
    expect(drawAssignment(randomBytes(32), input, 10)).toEqual({ ok: false, code: 'draw_search_exhausted' });
  });

  it('finds no single loop where the graph is strongly connected but has no Hamiltonian cycle', () => {
    // Two triangles sharing vertex 0: strongly connected, and any loop through all five must pass 0 twice.
    const P = ids(5);
    const edges = new Set(['0>1', '1>2', '2>0', '0>3', '3>4', '4>0', '1>0', '2>1', '0>2', '3>0', '4>3', '0>4']);
    const exclusions: [string, string][] = [];
    for (let g = 0; g < 5; g++) for (let r = 0; r < 5; r++) if (g !== r && !edges.has(`${g}>${r}`)) exclusions.push([P[g]!, P[r]!]);
    const { input } = buildDrawInput({ groupId: 'g', drawId: 'd', mode: 'cycle', participants: P, exclusions });
    expect(drawAssignment(randomBytes(32), input, LIMIT)).toEqual({
      ok: false,
      code: 'draw_infeasible',
      infeasibility: { reason: 'no_single_loop', members: [] },
    });
  });

  it.each<[DrawMode, number]>([
    ['any', 9],
    ['cycle', 6],
  ])('samples uniformly among valid assignments of four (%s mode, chi-square)', (mode, outcomes) => {
    const P = ids(4);
    const { input } = buildDrawInput({ groupId: 'g', drawId: 'd', mode, participants: P, exclusions: [] });
    const counts = new Map<string, number>();
    const draws = outcomes * 200;
    for (let i = 0; i < draws; i++) {
      const outcome = drawAssignment(randomBytes(32), input, LIMIT);
      if (!outcome.ok) throw new Error('feasible input refused');
      const key = outcome.pairs.map((p) => P.indexOf(p.receiver_id)).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(outcomes);
    const expected = draws / outcomes;
    const chiSquare = [...counts.values()].reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    // p = 0.001 critical values for 8 and 5 degrees of freedom.
    expect(chiSquare).toBeLessThan(mode === 'any' ? 26.12 : 20.52);
  });

  it('normalises the input: sorted participants, deduplicated sorted exclusions inside P, keys in order', () => {
    const { json } = buildDrawInput({
      groupId: 'G',
      drawId: 'D',
      mode: 'any',
      participants: ['c', 'a', 'b'],
      exclusions: [
        ['c', 'a'],
        ['a', 'c'],
        ['c', 'a'],
        ['a', 'zz'],
        ['b', 'b'],
      ],
    });
    expect(json).toBe('{"v":1,"group_id":"G","draw_id":"D","mode":"any","participants":["a","b","c"],"exclusions":[["a","c"],["c","a"]]}');
  });

  it('handles 10,000 participants with n/10 exclusions', () => {
    const n = 10_000;
    const P = ids(n);
    const exclusions: [string, string][] = [];
    for (let i = 0; i < n / 10; i++) exclusions.push([P[(i * 7919) % n]!, P[(i * 104729 + 1) % n]!]);
    const { input } = buildDrawInput({ groupId: 'g', drawId: 'd', mode: 'cycle', participants: P, exclusions });
    const outcome = drawAssignment(randomBytes(32), input, LIMIT);
    expect(outcome.ok).toBe(true);
  });
});
