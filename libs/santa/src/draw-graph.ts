/**
 * The allowed graph of a draw: participants 0…n−1 (sorted ids), an edge g→r unless g = r or [g, r] is
 * excluded. Only the exclusions are stored, never the n² allowed edges.
 */
export class AllowedGraph {
  readonly outExcluded: number[][];
  readonly inExcluded: number[][];
  private readonly excluded = new Set<number>();

  constructor(
    readonly n: number,
    exclusions: readonly (readonly [number, number])[],
  ) {
    this.outExcluded = Array.from({ length: n }, () => []);
    this.inExcluded = Array.from({ length: n }, () => []);
    for (const [g, r] of exclusions) {
      const key = g * n + r;
      if (g === r || this.excluded.has(key)) continue;
      this.excluded.add(key);
      this.outExcluded[g]!.push(r);
      this.inExcluded[r]!.push(g);
    }
  }

  allowed(g: number, r: number): boolean {
    return g !== r && !this.excluded.has(g * this.n + r);
  }

  outDegree(g: number): number {
    return this.n - 1 - this.outExcluded[g]!.length;
  }

  inDegree(r: number): number {
    return this.n - 1 - this.inExcluded[r]!.length;
  }
}

/** A set of 0…n−1 with O(1) removal and a dense array to scan (order changes on removal). */
export class IndexSet {
  readonly items: number[];
  private readonly position: Int32Array;

  constructor(n: number) {
    this.items = Array.from({ length: n }, (_, i) => i);
    this.position = new Int32Array(n).map((_, i) => i);
  }

  get size(): number {
    return this.items.length;
  }

  has(x: number): boolean {
    return this.position[x]! >= 0;
  }

  delete(x: number): void {
    const at = this.position[x]!;
    if (at < 0) return;
    const last = this.items.pop()!;
    if (last !== x) {
      this.items[at] = last;
      this.position[last] = at;
    }
    this.position[x] = -1;
  }

  /**
   * First member v with `accept(v)`, removed from the set. The members skipped are exactly those that
   * `accept` refuses, so on a complement graph each scan costs O(excluded degree + 1).
   */
  takeFirst(accept: (v: number) => boolean): number {
    for (let i = 0; i < this.items.length; i++) {
      const v = this.items[i]!;
      if (accept(v)) {
        this.delete(v);
        return v;
      }
    }
    return -1;
  }
}
