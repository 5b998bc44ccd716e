import { AllowedGraph, IndexSet } from './draw-graph';

export type DrawMode = 'cycle' | 'any';

export type Infeasibility =
  | { reason: 'no_possible_giftee' | 'no_possible_santa'; members: number[] }
  | { reason: 'hall_violation'; members: number[]; receivers: number[] }
  | { reason: 'not_strongly_connected'; members: []; components: number[][] };

/**
 * §6 checks 1–4, in order, before any randomness. Returns the first failure, or null when an
 * assignment (any mode) or a loop candidate (cycle mode) may exist.
 */
export function checkFeasibility(graph: AllowedGraph, mode: DrawMode): Infeasibility | null {
  const { n } = graph;
  const givers: number[] = [];
  const receivers: number[] = [];
  let dense = true;
  for (let v = 0; v < n; v++) {
    if (graph.outDegree(v) === 0) givers.push(v);
    if (graph.inDegree(v) === 0) receivers.push(v);
    if (2 * graph.outDegree(v) < n || 2 * graph.inDegree(v) < n) dense = false;
  }
  if (givers.length) return { reason: 'no_possible_giftee', members: givers };
  if (receivers.length) return { reason: 'no_possible_santa', members: receivers };
  // Ghouila-Houri: every degree ≥ n/2 gives a Hamiltonian cycle, hence a perfect matching too.
  if (dense) return null;
  const hall = findHallViolation(graph);
  if (hall) return { reason: 'hall_violation', ...hall };
  if (mode === 'cycle') {
    const components = stronglyConnectedComponents(graph);
    if (components.length > 1) return { reason: 'not_strongly_connected', members: [], components };
  }
  return null;
}

/**
 * Maximum matching of givers to allowed receivers (greedy start, then augmenting paths found by BFS over
 * the complement graph). On the first giver that cannot be matched it returns S, the givers reachable
 * from it by alternating paths, and N(S), which has |S| − 1 members.
 */
export function findHallViolation(graph: AllowedGraph): { members: number[]; receivers: number[] } | null {
  const { n } = graph;
  const matchOfGiver = new Int32Array(n).fill(-1);
  const matchOfReceiver = new Int32Array(n).fill(-1);
  const free = new IndexSet(n);
  for (let g = 0; g < n; g++) {
    const r = free.takeFirst((v) => graph.allowed(g, v));
    if (r >= 0) {
      matchOfGiver[g] = r;
      matchOfReceiver[r] = g;
    }
  }
  const via = new Int32Array(n);
  for (let u = 0; u < n; u++) {
    if (matchOfGiver[u] !== -1) continue;
    const unvisited = new IndexSet(n);
    const queue = [u];
    const reached: number[] = [];
    let augmented = false;
    for (let head = 0; head < queue.length && !augmented; head++) {
      const g = queue[head]!;
      for (let r = unvisited.takeFirst((v) => graph.allowed(g, v)); r >= 0; r = unvisited.takeFirst((v) => graph.allowed(g, v))) {
        via[r] = g;
        reached.push(r);
        const mate = matchOfReceiver[r]!;
        if (mate === -1) {
          flipPath(r, via, matchOfGiver, matchOfReceiver);
          augmented = true;
          break;
        }
        queue.push(mate);
      }
    }
    if (!augmented) {
      return { members: [...queue].sort((a, b) => a - b), receivers: reached.sort((a, b) => a - b) };
    }
  }
  return null;
}

function flipPath(end: number, via: Int32Array, matchOfGiver: Int32Array, matchOfReceiver: Int32Array): void {
  let r = end;
  while (r !== -1) {
    const g = via[r]!;
    const previous = matchOfGiver[g]!;
    matchOfGiver[g] = r;
    matchOfReceiver[r] = g;
    r = previous;
  }
}

/** Kosaraju on the complement graph, iterative; components sorted by their smallest member. */
export function stronglyConnectedComponents(graph: AllowedGraph): number[][] {
  const { n } = graph;
  const order: number[] = [];
  const unvisited = new IndexSet(n);
  while (unvisited.size) {
    const start = unvisited.items[0]!;
    unvisited.delete(start);
    const stack = [start];
    while (stack.length) {
      const u = stack[stack.length - 1]!;
      const v = unvisited.takeFirst((x) => graph.allowed(u, x));
      if (v >= 0) stack.push(v);
      else order.push(stack.pop()!);
    }
  }
  const unassigned = new IndexSet(n);
  const components: number[][] = [];
  for (let i = order.length - 1; i >= 0; i--) {
    const root = order[i]!;
    if (!unassigned.has(root)) continue;
    unassigned.delete(root);
    const component = [root];
    const stack = [root];
    while (stack.length) {
      const u = stack.pop()!;
      for (let v = unassigned.takeFirst((x) => graph.allowed(x, u)); v >= 0; v = unassigned.takeFirst((x) => graph.allowed(x, u))) {
        component.push(v);
        stack.push(v);
      }
    }
    components.push(component.sort((a, b) => a - b));
  }
  return components.sort((a, b) => a[0]! - b[0]!);
}
