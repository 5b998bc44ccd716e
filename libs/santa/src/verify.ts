import { createHash, createHmac } from 'node:crypto';

/**
 * An independent re-computation of a revealed santa-draw-v1 draw from its published seed and input,
 * written from §7 alone (it shares no code with the draw) so that it can check the draw's code.
 */
export interface PublishedDraw {
  seed: string;
  input: string;
  commitment: string;
  initial_pairs: { giver_id: string; receiver_id: string }[];
  changes: { seq: number; kind: 'join' | 'leave'; member_id: string; giver_id: string }[];
  pairs: { giver_id: string; receiver_id: string }[];
}

export interface Verification {
  ok: boolean;
  problems: string[];
  initialPairs: [string, string][];
}

function byteStream(seed: Buffer, label: string) {
  let counter = 0;
  let bytes: number[] = [];
  return {
    uint32(): number {
      while (bytes.length < 4) {
        const i = Buffer.alloc(4);
        i.writeUInt32BE(counter++);
        bytes = bytes.concat([...createHmac('sha256', seed).update(Buffer.concat([Buffer.from(label, 'utf8'), i])).digest()]);
      }
      const [a, b, c, d] = bytes.splice(0, 4) as [number, number, number, number];
      return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
    },
    int(k: number): number {
      const bound = 2 ** 32 - (2 ** 32 % k);
      let x = this.uint32();
      while (x >= bound) x = this.uint32();
      return x % k;
    },
    shuffle<T>(list: T[]): T[] {
      const a = [...list];
      for (let i = a.length - 1; i >= 1; i--) {
        const j = this.int(i + 1);
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      return a;
    },
  };
}

export function recomputeInitialPairs(seedHex: string, inputJson: string): [string, string][] | null {
  const input = JSON.parse(inputJson) as { mode: 'cycle' | 'any'; participants: string[]; exclusions: [string, string][] };
  const seed = Buffer.from(seedHex, 'hex');
  const P = input.participants;
  const n = P.length;
  const X = new Set(input.exclusions.map(([g, r]) => `${g} ${r}`));
  const allowed = (g: string, r: string) => g !== r && !X.has(`${g} ${r}`);
  const s = byteStream(seed, 'santa-draw-v1');
  const attempts = Math.max(100, Math.floor(100000 / n));
  for (let t = 0; t < attempts; t++) {
    const sh = s.shuffle(P);
    const pairs: [string, string][] =
      input.mode === 'cycle' ? sh.map((g, i) => [g, sh[(i + 1) % n]!]) : P.map((g, i) => [g, sh[i]!]);
    if (pairs.every(([g, r]) => allowed(g, r))) return pairs.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }
  const pi = s.shuffle(P);
  const candidates = new Map<string, string[]>();
  const cand = (u: string) => {
    let list = candidates.get(u);
    if (!list) {
      const at = pi.indexOf(u);
      list = [];
      for (let k = 1; k < n; k++) {
        const v = pi[(at + k) % n]!;
        if (allowed(u, v)) list.push(v);
      }
      candidates.set(u, list);
    }
    return list;
  };
  if (input.mode === 'cycle') {
    const path = [pi[0]!];
    const onPath = new Set(path);
    // A path is dead once an unvisited vertex can no longer be left or entered; cutting it drops no loop.
    const dead = (last: string) =>
      P.some(
        (w) =>
          !onPath.has(w) &&
          (!P.some((s) => (!onPath.has(s) || s === pi[0]) && allowed(w, s)) || !P.some((q) => (!onPath.has(q) || q === last) && allowed(q, w))),
      );
    const grow = (): boolean => {
      const last = path[path.length - 1]!;
      if (path.length === n) return allowed(last, pi[0]!);
      if (dead(last)) return false;
      for (const v of cand(last)) {
        if (onPath.has(v)) continue;
        path.push(v);
        onPath.add(v);
        if (grow()) return true;
        path.pop();
        onPath.delete(v);
      }
      return false;
    };
    if (!grow()) return null;
    return path.map((g, i) => [g, path[(i + 1) % n]!] as [string, string]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }
  const owner = new Map<string, string>();
  for (const g of pi) {
    const seen = new Set<string>();
    const augment = (u: string): boolean => {
      for (const r of cand(u)) {
        if (seen.has(r)) continue;
        seen.add(r);
        if (!owner.has(r) || augment(owner.get(r)!)) {
          owner.set(r, u);
          return true;
        }
      }
      return false;
    };
    augment(g);
  }
  return [...owner].map(([r, g]) => [g, r] as [string, string]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** Checks the commitment, the initial pairs and the replay of every change against the published draw. */
export function verifyDraw(draw: PublishedDraw): Verification {
  const problems: string[] = [];
  const digest = createHash('sha256').update(Buffer.concat([Buffer.from(draw.seed, 'hex'), Buffer.from(draw.input, 'utf8')])).digest('hex');
  if (digest !== draw.commitment) problems.push('the commitment does not match SHA-256(seed ‖ input)');
  const initial = recomputeInitialPairs(draw.seed, draw.input) ?? [];
  const same = (a: [string, string][], b: { giver_id: string; receiver_id: string }[]) =>
    a.length === b.length && a.every(([g, r], i) => b[i]!.giver_id === g && b[i]!.receiver_id === r);
  if (!same(initial, draw.initial_pairs)) problems.push('initial_pairs differ from the recomputed draw');
  const current = new Map(initial);
  const X = new Set((JSON.parse(draw.input) as { exclusions: [string, string][] }).exclusions.map(([g, r]) => `${g} ${r}`));
  for (const change of [...draw.changes].sort((a, b) => a.seq - b.seq)) {
    if (change.kind === 'join') {
      const givers = [...current.keys()].sort();
      const pick = givers[byteStream(Buffer.from(draw.seed, 'hex'), `santa-change-v1:${change.seq}`).int(givers.length)]!;
      if (pick !== change.giver_id) problems.push(`change ${change.seq}: the joiner should have split the pair of ${pick}`);
      const r = current.get(pick)!;
      current.set(pick, change.member_id);
      current.set(change.member_id, r);
    } else {
      const s = [...current].find(([, r]) => r === change.member_id)?.[0];
      const t = current.get(change.member_id);
      if (s === undefined || t === undefined || s !== change.giver_id) problems.push(`change ${change.seq}: the leaver's santa is not ${change.giver_id}`);
      else if (s === t || X.has(`${s} ${t}`)) problems.push(`change ${change.seq}: the repaired pair is not allowed`);
      else {
        current.delete(change.member_id);
        current.set(s, t);
      }
    }
  }
  const replayed = [...current].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  if (!same(replayed, draw.pairs.map(({ giver_id, receiver_id }) => ({ giver_id, receiver_id })))) problems.push('pairs differ from the replayed changes');
  return { ok: problems.length === 0, problems, initialPairs: initial };
}
