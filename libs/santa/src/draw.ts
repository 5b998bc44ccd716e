import { createHash } from 'node:crypto';
import { AllowedGraph } from './draw-graph';
import { DRAW_LABEL, DrawStream, changeLabel } from './draw-stream';
import { checkFeasibility, type DrawMode, type Infeasibility } from './feasibility';

export type { DrawMode, Infeasibility };
export const DRAW_ALGORITHM = 'santa-draw-v1';

export interface Pair {
  giver_id: string;
  receiver_id: string;
}

/** The normalised §7 input: sorted participants, deduplicated sorted exclusions between them. */
export interface DrawInput {
  v: 1;
  group_id: string;
  draw_id: string;
  mode: DrawMode;
  participants: string[];
  exclusions: [string, string][];
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function buildDrawInput(options: {
  groupId: string;
  drawId: string;
  mode: DrawMode;
  participants: readonly string[];
  exclusions: readonly (readonly [string, string])[];
}): { input: DrawInput; json: string } {
  // The default sort is JavaScript's string order that §7 names, and faster than a comparator.
  const participants = [...new Set(options.participants)].sort();
  const inP = new Set(participants);
  const seen = new Set<string>();
  const exclusions: [string, string][] = [];
  for (const [g, r] of options.exclusions) {
    const key = `${g}|${r}`;
    if (g === r || !inP.has(g) || !inP.has(r) || seen.has(key)) continue;
    seen.add(key);
    exclusions.push([g, r]);
  }
  exclusions.sort((a, b) => byString(a[0], b[0]) || byString(a[1], b[1]));
  const input: DrawInput = { v: 1, group_id: options.groupId, draw_id: options.drawId, mode: options.mode, participants, exclusions };
  return {
    input,
    json: JSON.stringify({ v: 1, group_id: input.group_id, draw_id: input.draw_id, mode: input.mode, participants, exclusions }),
  };
}

/** lowercase hex SHA-256(seed ‖ UTF-8(input)). */
export function drawCommitment(seed: Buffer, inputJson: string): string {
  return createHash('sha256').update(seed).update(inputJson, 'utf8').digest('hex');
}

export function graphOf(input: DrawInput): AllowedGraph {
  const index = new Map(input.participants.map((id, i) => [id, i]));
  return new AllowedGraph(
    input.participants.length,
    input.exclusions.map(([g, r]) => [index.get(g)!, index.get(r)!] as const),
  );
}

export type DrawOutcome =
  | { ok: true; pairs: Pair[] }
  | { ok: false; code: 'draw_infeasible'; infeasibility: Infeasibility | { reason: 'no_single_loop'; members: [] } }
  | { ok: false; code: 'draw_search_exhausted' };

/** The whole santa-draw-v1: feasibility checks first, then the seeded draw. */
export function drawAssignment(seed: Buffer, input: DrawInput, searchLimit: number): DrawOutcome {
  const graph = graphOf(input);
  const infeasibility = checkFeasibility(graph, input.mode);
  if (infeasibility) return { ok: false, code: 'draw_infeasible', infeasibility };
  const result = seededDraw(seed, graph, input.mode, searchLimit);
  if (result === 'no_single_loop') return { ok: false, code: 'draw_infeasible', infeasibility: { reason: 'no_single_loop', members: [] } };
  if (result === 'exhausted') return { ok: false, code: 'draw_search_exhausted' };
  const P = input.participants;
  return { ok: true, pairs: Array.from(result, (r, g) => ({ giver_id: P[g]!, receiver_id: P[r]! })) };
}

/** receiverOf[g] for every giver index, read from one `stream('santa-draw-v1')`. */
export function seededDraw(seed: Buffer, graph: AllowedGraph, mode: DrawMode, searchLimit: number): Int32Array | 'no_single_loop' | 'exhausted' {
  const { n } = graph;
  const stream = new DrawStream(seed, DRAW_LABEL);
  const sorted = Array.from({ length: n }, (_, i) => i);
  const attempts = Math.max(100, Math.floor(100_000 / n));
  const receiverOf = new Int32Array(n);
  for (let attempt = 0; attempt < attempts; attempt++) {
    const s = stream.shuffle(sorted);
    let valid = true;
    for (let i = 0; i < n && valid; i++) {
      const g = mode === 'cycle' ? s[i]! : i;
      const r = mode === 'cycle' ? s[(i + 1) % n]! : s[i]!;
      if (!graph.allowed(g, r)) valid = false;
      else receiverOf[g] = r;
    }
    if (valid) return receiverOf;
  }
  const pi = stream.shuffle(sorted);
  return mode === 'cycle' ? searchLoop(graph, pi, searchLimit) : searchMatching(graph, pi, searchLimit);
}

function positionsOf(pi: number[]): Int32Array {
  const pos = new Int32Array(pi.length);
  pi.forEach((v, i) => (pos[v] = i));
  return pos;
}

const WATCHED_DEGREE = 16;

/**
 * Vertices with few allowed successors or predecessors, with those lists: the loop search prunes a path
 * as soon as one of them can no longer be entered or left. Such pruning never drops a loop, so the
 * first loop found is the one the plain search of §7 finds.
 */
function watchedVertices(graph: AllowedGraph): { v: number; successors: number[] | null; predecessors: number[] | null }[] {
  const watched = [];
  for (let v = 0; v < graph.n; v++) {
    const fewOut = graph.outDegree(v) <= WATCHED_DEGREE;
    const fewIn = graph.inDegree(v) <= WATCHED_DEGREE;
    if (!fewOut && !fewIn) continue;
    const successors: number[] = [];
    const predecessors: number[] = [];
    for (let u = 0; u < graph.n; u++) {
      if (fewOut && graph.allowed(v, u)) successors.push(u);
      if (fewIn && graph.allowed(u, v)) predecessors.push(u);
    }
    watched.push({ v, successors: fewOut ? successors : null, predecessors: fewIn ? predecessors : null });
  }
  return watched;
}

/** Depth-first search for one loop, candidates in π order after the current vertex; explicit stack. */
function searchLoop(graph: AllowedGraph, pi: number[], limit: number): Int32Array | 'no_single_loop' | 'exhausted' {
  const { n } = graph;
  const pos = positionsOf(pi);
  const first = pi[0]!;
  const path = [first];
  const nextK = [1];
  const onPath = new Uint8Array(n);
  onPath[first] = 1;
  const watched = watchedVertices(graph);
  const stranded = (last: number) =>
    watched.some(
      ({ v, successors, predecessors }) =>
        !onPath[v] &&
        ((successors !== null && !successors.some((s) => !onPath[s] || s === first)) ||
          (predecessors !== null && !predecessors.some((q) => !onPath[q] || q === last))),
    );
  let examined = 0;
  while (path.length) {
    const depth = path.length - 1;
    const last = path[depth]!;
    if (path.length === n && graph.allowed(last, first)) {
      const receiverOf = new Int32Array(n);
      for (let i = 0; i < n; i++) receiverOf[path[i]!] = path[(i + 1) % n]!;
      return receiverOf;
    }
    let advanced = false;
    if (path.length < n && !stranded(last)) {
      while (nextK[depth]! <= n - 1) {
        const v = pi[(pos[last]! + nextK[depth]!) % n]!;
        nextK[depth]!++;
        if (++examined > limit) return 'exhausted';
        if (!onPath[v] && graph.allowed(last, v)) {
          path.push(v);
          nextK.push(1);
          onPath[v] = 1;
          advanced = true;
          break;
        }
      }
    }
    if (!advanced) {
      onPath[path.pop()!] = 0;
      nextK.pop();
    }
  }
  return 'no_single_loop';
}

/** Kuhn's augmenting paths in π order, with the recursion of §7 unrolled onto a stack. */
function searchMatching(graph: AllowedGraph, pi: number[], limit: number): Int32Array | 'exhausted' {
  const { n } = graph;
  const pos = positionsOf(pi);
  const owner = new Int32Array(n).fill(-1);
  const seen = new Int32Array(n).fill(-1);
  let examined = 0;
  for (let round = 0; round < n; round++) {
    const g = pi[round]!;
    const frames: { u: number; k: number; r: number }[] = [{ u: g, k: 1, r: -1 }];
    while (frames.length) {
      const frame = frames[frames.length - 1]!;
      let pushed = false;
      while (frame.k <= n - 1) {
        const r = pi[(pos[frame.u]! + frame.k) % n]!;
        frame.k++;
        if (++examined > limit) return 'exhausted';
        if (seen[r] === round || !graph.allowed(frame.u, r)) continue;
        seen[r] = round;
        frame.r = r;
        if (owner[r] === -1) {
          for (const f of frames) owner[f.r] = f.u;
          frames.length = 0;
        } else {
          frames.push({ u: owner[r]!, k: 1, r: -1 });
        }
        pushed = true;
        break;
      }
      if (!pushed) frames.pop();
    }
    // A giver left unmatched cannot happen after the Hall check; the loop above then simply moves on.
  }
  const receiverOf = new Int32Array(n);
  for (let r = 0; r < n; r++) receiverOf[owner[r]!] = r;
  return receiverOf;
}

/** §8: the index of the pair (sorted by giver_id) that a joiner splits, for change number `seq`. */
export function joinSpot(seed: Buffer, seq: number, pairCount: number): number {
  return new DrawStream(seed, changeLabel(seq)).randomInt(pairCount);
}
