import { unsupportedContentEncoding } from '@platform/platform';
import type { Request } from 'express';

/** Bytes kept beyond a limit so a rejected body's first 64 KiB can be recorded. */
const RAW_TEXT_BYTES = 64 * 1024;
/** Past this much a body is not worth reading to its end: the connection is dropped after the answer. */
const MAX_DRAIN_BYTES = 16 * 1024 * 1024;

type RawBody = { ok: true; text: string; bytes: number } | { ok: false; tooLarge: true; head: string };

/** Reads the body as UTF-8 text, keeping at most `limit` bytes (or the first 64 KiB of an oversized one). */
export function readBody(req: Request, limit: number): Promise<RawBody> {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') return Promise.reject(unsupportedContentEncoding(encoding));
  const keep = Math.max(limit, RAW_TEXT_BYTES);
  const chunks: Buffer[] = [];
  let kept = 0;
  let total = 0;
  return new Promise((resolve, reject) => {
    const finish = () => {
      const buffer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      if (total > limit) resolve({ ok: false, tooLarge: true, head: utf8Head(buffer, RAW_TEXT_BYTES).toString('utf8') });
      else resolve({ ok: true, text: buffer.toString('utf8'), bytes: total });
    };
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (kept < keep) {
        const slice = kept + chunk.length > keep ? chunk.subarray(0, keep - kept) : chunk;
        chunks.push(slice);
        kept += slice.length;
      }
      if (total > MAX_DRAIN_BYTES) {
        req.pause();
        finish();
      }
    });
    req.once('end', finish);
    req.once('error', reject);
  });
}

/** `application/json` (or `+json`), or also `text/plain` where Segment SDKs need it. */
export function mediaTypeOf(req: Request): string | undefined {
  const type = req.headers['content-type'];
  return type?.split(';', 1)[0]!.trim().toLowerCase();
}

export function isJsonMediaType(mediaType: string | undefined): boolean {
  return mediaType === 'application/json' || (mediaType !== undefined && mediaType.startsWith('application/') && mediaType.endsWith('+json'));
}

/** The longest prefix of `bytes` within `maxBytes` that does not split a UTF-8 character. */
export function utf8Head(bytes: Buffer, maxBytes: number): Buffer {
  if (bytes.length <= maxBytes) return bytes;
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}
