import { HttpError } from '@platform/platform';
import type { Request } from 'express';
import { decoderOf } from './content-encoding';

/** Bytes kept beyond a limit so a rejected body's first 64 KiB can be recorded. */
const RAW_TEXT_BYTES = 64 * 1024;
/** Past this much (as sent) a body is not worth reading to its end: the connection is dropped after the answer. */
const MAX_DRAIN_BYTES = 16 * 1024 * 1024;

type RawBody = { ok: true; text: string; bytes: number } | { ok: false; tooLarge: true; head: string };

/**
 * Reads the body as UTF-8 text, decoded per `Content-Encoding` (`src/content-encoding.ts`), keeping at most `limit`
 * decoded bytes (or the first 64 KiB of an oversized one). A corrupt encoding is 400 `malformed_body`.
 */
export function readBody(req: Request, limit: number): Promise<RawBody> {
  return new Promise((resolve, reject) => {
    const encoded = decoderOf(req);
    const decoder = encoded?.decoder;
    const keep = Math.max(limit, RAW_TEXT_BYTES);
    const chunks: Buffer[] = [];
    let kept = 0;
    let total = 0;
    let received = 0;
    let decoding = encoded !== undefined;
    let ended = false;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      const buffer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      if (total > limit || received > MAX_DRAIN_BYTES) resolve({ ok: false, tooLarge: true, head: utf8Head(buffer, RAW_TEXT_BYTES).toString('utf8') });
      else resolve({ ok: true, text: buffer.toString('utf8'), bytes: total });
    };
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    const take = (chunk: Buffer) => {
      total += chunk.length;
      if (kept < keep) {
        const slice = kept + chunk.length > keep ? chunk.subarray(0, keep - kept) : chunk;
        chunks.push(slice);
        kept += slice.length;
      }
    };

    if (encoded && decoder) {
      // Once past what is kept, nothing more of the body is needed: destroying the decoder stops inflating, so a
      // decompression bomb costs at most `keep` bytes plus one zlib chunk; the rest of the upload is only drained.
      const stopDecoding = () => {
        decoding = false;
        decoder.destroy();
        req.resume();
        if (ended) finish();
      };
      decoder.on('data', (chunk: Buffer) => {
        if (!decoding) return;
        take(chunk);
        if (total > keep) stopDecoding();
      });
      decoder.on('drain', () => {
        if (decoding) req.resume();
      });
      decoder.once('end', finish);
      decoder.on('error', () => {
        if (!decoding) return;
        fail(new HttpError(400, 'malformed_body', `The request body is not valid ${encoded.coding} data`));
        stopDecoding();
      });
    }
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (!decoder) take(chunk);
      else if (decoding && !decoder.write(chunk)) req.pause();
      if (received > MAX_DRAIN_BYTES) {
        req.pause();
        decoding = false;
        decoder?.destroy();
        finish();
      }
    });
    req.once('end', () => {
      ended = true;
      if (decoder && decoding) decoder.end();
      else finish();
    });
    req.once('error', fail);
  });
}

/** The request's media type, lower case, without parameters. */
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
