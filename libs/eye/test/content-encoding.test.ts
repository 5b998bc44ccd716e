import { pipeline } from 'node:stream/promises';
import type { Transform } from 'node:stream';
import { brotliCompressSync, createGzip, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import type { TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, KEYS, pageview, sessionId, startEye, waitForItems, waitForRecord } from './helpers';

const ENCODERS: Record<string, (body: Buffer) => Buffer> = { gzip: gzipSync, 'x-gzip': gzipSync, deflate: deflateSync, br: brotliCompressSync };

async function send(app: TestApp, path: string, body: Buffer, coding: string) {
  const response = await app.request(path, {
    method: 'POST',
    headers: { ...auth(KEYS.web), 'content-type': 'application/json', 'content-encoding': coding },
    body,
  });
  return { status: response.status, body: (await response.json()) as any };
}

/** JSON of exactly `bytes` bytes (padded with trailing spaces, which JSON allows). */
function paddedJson(value: unknown, bytes: number): Buffer {
  const text = JSON.stringify(value);
  return Buffer.from(text + ' '.repeat(bytes - Buffer.byteLength(text)));
}

/** `bytes` zero bytes compressed by `encoder`, without ever holding them uncompressed. */
async function compressedZeros(bytes: number, encoder: Transform): Promise<Buffer> {
  const zeros = Buffer.alloc(1 << 20);
  const chunks: Buffer[] = [];
  await pipeline(
    function* () {
      for (let produced = 0; produced < bytes; produced += zeros.length) yield zeros;
    },
    encoder,
    async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) chunks.push(chunk);
    },
  );
  return Buffer.concat(chunks);
}

/** Runs `work` while sampling this process' ArrayBuffer memory (Buffers included); returns the peak growth. */
async function peakBufferGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const base = process.memoryUsage().arrayBuffers;
  let peak = base;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  };
  const timer = setInterval(sample, 2);
  try {
    const result = await work();
    sample();
    return { result, growth: peak - base };
  } finally {
    clearInterval(timer);
  }
}

describe('Content-Encoding on the ingest endpoints', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startEye();
  });
  afterAll(() => app.close());

  it.each(Object.keys(ENCODERS))('reads %s bodies on /events, /events/batch and every Segment endpoint', async (coding) => {
    const encode = ENCODERS[coding]!;
    const session = sessionId(coding);
    const json = (value: unknown) => encode(Buffer.from(JSON.stringify(value)));
    expect((await send(app, '/eye/events', json(pageview(session, { event_id: `${coding}-1` })), coding)).status).toBe(202);
    expect((await send(app, '/eye/events/batch', json({ events: [pageview(session, { event_id: `${coding}-2` })] }), coding)).body.accepted).toBe(1);
    const batch = await send(app, '/eye/segment/v1/batch', json({ batch: [{ type: 'track', event: 'Zipped', anonymousId: session, messageId: `${coding}-3` }] }), coding);
    expect(batch.body).toEqual({ success: true, accepted: 1, duplicates: 0, rejected: [] });
    expect((await send(app, '/eye/segment/v1/page', json({ anonymousId: session, name: 'Home', messageId: `${coding}-4` }), coding.toUpperCase())).body.accepted).toBe(1);
    const items = await waitForItems(app, `/eye/sessions/${session}/events`, 4);
    expect(items.map((item) => item.event_id).sort()).toEqual([1, 2, 3, 4].map((n) => `${coding}-${n}`));
  });

  it('applies the size limits to the decoded body, to the byte', async () => {
    const session = sessionId('limit');
    const event = pageview(session, { event_id: 'limit-1' });
    expect((await send(app, '/eye/events', gzipSync(paddedJson(event, 32 * 1024)), 'gzip')).status).toBe(202);
    const over = await send(app, '/eye/events', gzipSync(paddedJson(event, 32 * 1024 + 1)), 'gzip');
    expect(over.status).toBe(413);
    expect(over.body.error).toMatchObject({ code: 'payload_too_large', error_id: expect.any(String) });
    // The record keeps the decoded text, not the compressed bytes.
    expect((await waitForRecord(app, over.body.error.error_id)).raw_text).toContain('"event_id":"limit-1"');

    const message = { anonymousId: session, event: 'Big', messageId: 'limit-2' };
    expect((await send(app, '/eye/segment/v1/track', gzipSync(paddedJson(message, 32 * 1024)), 'gzip')).body.accepted).toBe(1);
    const segmentOver = await send(app, '/eye/segment/v1/track', gzipSync(paddedJson(message, 32 * 1024 + 1)), 'gzip');
    expect(segmentOver.status).toBe(400);
    expect(segmentOver.body.error.code).toBe('payload_too_large');
  });

  it('answers a decompression bomb 413 (400 on Segment) without inflating it into memory', async () => {
    // 64 MiB of zeros: about 64 KiB gzipped; inflating it whole would hold 64 MiB at once.
    const bombSize = 64 * 1024 * 1024;
    const gzipBomb = await compressedZeros(bombSize, createGzip({ level: 9 }));
    expect(gzipBomb.length).toBeLessThan(bombSize / 500);
    const batch = await peakBufferGrowth(() => send(app, '/eye/events/batch', gzipBomb, 'gzip'));
    expect(batch.result.status).toBe(413);
    expect(batch.result.body.error.code).toBe('payload_too_large');
    const segment = await peakBufferGrowth(() => send(app, '/eye/segment/v1/batch', gzipBomb, 'gzip'));
    expect(segment.result.status).toBe(400);
    expect(segment.result.body.error.code).toBe('payload_too_large');
    // Inflating stops past the 1 MiB limit: well under the 64 MiB the bomb holds.
    expect(batch.growth).toBeLessThan(16 * 1024 * 1024);
    expect(segment.growth).toBeLessThan(16 * 1024 * 1024);
  });

  it('answers corrupt compressed data 400 malformed_body', async () => {
    const body = gzipSync(Buffer.from(JSON.stringify(pageview(sessionId('corrupt')))));
    const flipped = Buffer.from(body);
    for (let i = 10; i < flipped.length - 8; i++) flipped[i] = flipped[i]! ^ 0xff;
    const cases: [string, Buffer, string][] = [
      ['/eye/events', flipped, 'gzip'],
      ['/eye/events', body.subarray(0, body.length - 12), 'gzip'],
      ['/eye/segment/v1/batch', Buffer.from('{"batch": []}'), 'gzip'],
      ['/eye/events/batch', deflateRawSync(Buffer.from('{"events": []}')), 'deflate'],
      ['/eye/segment/v1/track', Buffer.from('not brotli at all'), 'br'],
    ];
    for (const [path, corrupt, coding] of cases) {
      const answer = await send(app, path, corrupt, coding);
      expect(answer.status, `${path} ${coding}`).toBe(400);
      expect(answer.body.error.code).toBe('malformed_body');
    }
  });

  it('answers a coding it cannot read 415', async () => {
    const body = Buffer.from(JSON.stringify(pageview(sessionId('coding'))));
    for (const coding of ['compress', 'zstd', 'gzip, gzip', 'bogus']) {
      for (const path of ['/eye/events', '/eye/segment/v1/batch']) {
        const answer = await send(app, path, body, coding);
        expect(answer.status, `${path} ${coding}`).toBe(415);
        expect(answer.body.error.code).toBe('unsupported_media_type');
      }
    }
  });
});
