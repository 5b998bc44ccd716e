import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler } from 'express';
import { HttpError, notFound } from './errors';

export const unsupportedContentEncoding = (encoding: string) =>
  new HttpError(415, 'unsupported_media_type', `Content-Encoding ${JSON.stringify(encoding.slice(0, 40))} is not supported`);

/**
 * The one mapping of client errors raised below the modules — Express's router, body-parser, raw-body, zlib,
 * anything http-errors shaped — to the 4xx they deserve; undefined for every other error.
 */
export function requestError(error: unknown): HttpError | undefined {
  // Express's router throws a URIError (with status 400) when it decodes a path parameter. Every module's spec
  // answers 404 for a path id of any shape that names no record, and one that does not decode names none.
  if (error instanceof URIError) return notFound('No route or record matches this path');
  if (typeof error !== 'object' || error === null) return undefined;
  const { type, limit, encoding, code, expose } = error as { type?: unknown; limit?: number; encoding?: unknown; code?: unknown; expose?: unknown };
  switch (type) {
    case 'entity.too.large':
      return new HttpError(413, 'payload_too_large', `Request body exceeds ${limit} bytes`, { limit });
    case 'entity.parse.failed':
      return new HttpError(400, 'malformed_json', 'Request body is not valid JSON');
    case 'encoding.unsupported':
      return unsupportedContentEncoding(String(encoding));
    case 'charset.unsupported':
      return new HttpError(415, 'unsupported_media_type', 'Unsupported body charset');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return new HttpError(400, 'bad_request', 'The request body could not be read');
  }
  const status = httpStatusOf(error);
  if (status === undefined || status < 400 || status >= 500 || expose !== true) return undefined;
  // body-parser wraps the decompressor's failure (Z_DATA_ERROR, Z_BUF_ERROR, brotli's ERR_*) as a 400.
  if (status === 400 && typeof code === 'string' && /^(Z_|ERR_)/.test(code)) {
    return new HttpError(400, 'malformed_body', 'The request body does not decode as its Content-Encoding says');
  }
  const reason = STATUS_CODES[status] ?? 'Client Error';
  return new HttpError(status, reason.toLowerCase().replace(/[^a-z0-9]+/g, '_'), reason);
}

function httpStatusOf(error: object): number | undefined {
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const value = status ?? statusCode;
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

/** Turns the client errors raised below a module into `HttpError`s before the module's own error answers see them. */
export function requestErrors(): ErrorRequestHandler {
  return (error, _req, _res, next) => next(requestError(error) ?? error);
}
