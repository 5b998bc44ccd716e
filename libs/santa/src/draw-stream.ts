import { createHmac } from 'node:crypto';

const TWO_32 = 2 ** 32;

/**
 * `stream(label)` of santa-draw-v1: B0 ‖ B1 ‖ … with Bi = HMAC-SHA256(seed, UTF-8(label) ‖ uint32be(i)).
 * Every random choice of a draw and of its later changes is read from one of these.
 */
export class DrawStream {
  private block: Buffer = Buffer.alloc(0);
  private offset = 0;
  private counter = 0;
  private readonly label: Buffer;

  constructor(
    private readonly seed: Buffer,
    label: string,
  ) {
    this.label = Buffer.from(label, 'utf8');
  }

  nextUint32(): number {
    if (this.block.length - this.offset < 4) {
      const rest = this.block.subarray(this.offset);
      const index = Buffer.alloc(4);
      index.writeUInt32BE(this.counter++);
      const next = createHmac('sha256', this.seed).update(this.label).update(index).digest();
      this.block = rest.length ? Buffer.concat([rest, next]) : next;
      this.offset = 0;
    }
    const value = this.block.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /** Uniform in [0, k) by rejecting the biased top of the uint32 range. */
  randomInt(k: number): number {
    if (!Number.isInteger(k) || k < 1 || k > TWO_32) throw new RangeError(`randomInt(${k})`);
    const limit = TWO_32 - (TWO_32 % k);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % k;
    }
  }

  /** Fisher–Yates from the end, as §7 defines it; returns a new array. */
  shuffle<T>(list: readonly T[]): T[] {
    const a = list.slice();
    for (let i = a.length - 1; i >= 1; i--) {
      const j = this.randomInt(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    return a;
  }
}

export const DRAW_LABEL = 'santa-draw-v1';
export const changeLabel = (seq: number) => `santa-change-v1:${seq}`;
