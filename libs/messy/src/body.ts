import type { Request } from 'express';
import { HttpError } from '@platform/platform';
import { decodeUrlEncoded } from './urlencoded';
import type { RawValue } from './validation';

export const SINGLE_BODY_LIMIT = 64 * 1024;
export const BATCH_BODY_LIMIT = 8 * 1024 * 1024;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function mediaType(req: Request): { type: string; charset?: string } | undefined {
  const header = req.headers['content-type'];
  if (!header) return undefined;
  const [type, ...params] = header.split(';');
  const charset = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('charset='));
  return { type: type!.trim().toLowerCase(), charset: charset?.slice('charset='.length).replace(/^"|"$/g, '') };
}

export function hasBody(req: Request): boolean {
  return Buffer.isBuffer(req.body) && req.body.length > 0;
}

function isJson(type: string): boolean {
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

function checkCharset(charset: string | undefined): void {
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new HttpError(415, 'unsupported_media_type', 'Only UTF-8 bodies are accepted');
  }
}

/** A JSON body: 415 for another content type, 400 `malformed_json` for bytes that are not UTF-8 JSON. */
export function jsonFromBody(req: Request): unknown {
  const media = mediaType(req);
  if (!media || !isJson(media.type)) throw new HttpError(415, 'unsupported_media_type', 'Content-Type must be application/json');
  checkCharset(media.charset);
  const bytes: Buffer = hasBody(req) ? (req.body as Buffer) : Buffer.alloc(0);
  try {
    return JSON.parse(strictUtf8.decode(bytes));
  } catch {
    throw new HttpError(400, 'malformed_json', 'Request body is not valid UTF-8 JSON');
  }
}

/** The seed's write URL: a form or JSON body, or the query string when the body is empty. */
export function fieldsFromSeedWrite(req: Request): unknown {
  if (!hasBody(req)) return queryFields(req);
  const media = mediaType(req);
  if (media?.type === 'application/x-www-form-urlencoded') {
    checkCharset(media.charset);
    return decodeUrlEncoded((req.body as Buffer).toString('latin1'));
  }
  if (media && isJson(media.type)) return jsonFromBody(req);
  throw new HttpError(415, 'unsupported_media_type', 'Content-Type must be application/x-www-form-urlencoded or application/json');
}

/** The raw query string decoded strictly (duplicates and bad UTF-8 marked, never replaced). */
export function queryFields(req: Request): Record<string, RawValue> {
  const question = req.originalUrl.indexOf('?');
  return decodeUrlEncoded(question === -1 ? '' : req.originalUrl.slice(question + 1));
}
