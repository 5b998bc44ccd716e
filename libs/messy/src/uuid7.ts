import { randomFillSync } from 'node:crypto';

const RANDOM_POOL_BYTES = 4_096;

/** Random bytes drawn from the OS 4 KiB at a time: one call per id would cost more than the rest of the id. */
function randomSource(): (size: number) => Buffer {
  const pool = Buffer.alloc(RANDOM_POOL_BYTES);
  let offset = RANDOM_POOL_BYTES;
  return (size) => {
    if (offset + size > RANDOM_POOL_BYTES) {
      randomFillSync(pool);
      offset = 0;
    }
    offset += size;
    return pool.subarray(offset - size, offset);
  };
}

/**
 * UUIDv7 ids, monotonic within this process: inside one millisecond the 12-bit `rand_a` field is a
 * counter (RFC 9562 method 1); when it overflows, the timestamp borrows the next millisecond.
 */
export function createUuidV7Generator(now: () => number = Date.now): () => string {
  const random = randomSource();
  let lastMs = 0;
  let counter = 0;
  return () => {
    let ms = now();
    if (ms <= lastMs) {
      ms = lastMs;
      counter++;
      if (counter > 0xfff) {
        ms++;
        counter = 0;
      }
    } else {
      counter = random(2).readUInt16BE() & 0x7ff; // leaves room to count up within the millisecond
    }
    lastMs = ms;
    const bytes = Buffer.allocUnsafe(16);
    random(10).copy(bytes, 6);
    bytes.writeUIntBE(ms, 0, 6);
    bytes[6] = 0x70 | (counter >> 8);
    bytes[7] = counter & 0xff;
    bytes[8] = 0x80 | (bytes[8]! & 0x3f);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}
