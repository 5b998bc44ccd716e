import { errorBody, HttpError, isUnavailableError, type ValidationDetail } from '@platform/platform';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';

/** Seed clients compare `Content-Type` literally: no charset parameter. */
export const JSON_TYPE = 'application/json';
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

export function sendJson(res: Response, status: number, body: string, headers: Record<string, string> = {}): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

export function sendNotModified(res: Response, headers: Record<string, string>): void {
  res.statusCode = 304;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.end();
}

export const badRequest = (message: string, details: unknown = null) => new HttpError(400, 'bad_request', message, details);

export function validationFailed(details: ValidationDetail[]): HttpError {
  return new HttpError(422, 'validation_failed', 'Invalid request', details);
}

/**
 * Reads a JSON object body: no `Content-Type` (seed clients send none), `application/json` or any
 * `+json` type; 415 for another type, 413 past `limit` bytes, 400 for an empty, unparseable or
 * non-object body. The parsed object lands in `req.body`.
 */
export function jsonObjectBody(limit: number): RequestHandler {
  return (req, _res, next) => {
    if (!METHODS_WITH_BODY.has(req.method)) return next();
    const typeError = contentTypeError(req.headers['content-type']);
    if (typeError) return next(typeError);
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      req.resume();
      return next(tooLarge(limit));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        return next(tooLarge(limit));
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      if (failed) return;
      failed = true;
      next(badRequest('The request body could not be read'));
    });
    req.on('end', () => {
      if (failed) return;
      const raw = Buffer.concat(chunks).toString('utf8');
      if (raw.trim() === '') return next(badRequest('The request body is empty; a JSON object is required'));
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        return next(new HttpError(400, 'malformed_json', 'Request body is not valid JSON'));
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return next(badRequest('The request body must be a JSON object'));
      }
      req.body = value;
      next();
    });
  };
}

function contentTypeError(header: string | undefined): HttpError | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const [mediaType = '', ...params] = header.split(';').map((part) => part.trim().toLowerCase());
  const json = mediaType === 'application/json' || (/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+\+json$/.test(mediaType));
  const charset = params.find((param) => param.startsWith('charset='))?.slice(8).replace(/"/g, '');
  if (json && (charset === undefined || charset === 'utf-8' || charset === 'utf8')) return undefined;
  return new HttpError(415, 'unsupported_media_type', 'Content-Type must be application/json (or a +json type) in UTF-8');
}

const tooLarge = (limit: number) => new HttpError(413, 'payload_too_large', `Request body exceeds ${limit} bytes`, { limit });

/** A handler of an operation that reads its (router-checked) request itself. */
export type RouteHandler = (req: Request, res: Response) => Promise<void>;

export const unknownPath: RequestHandler = (_req, _res, next) => next(new HttpError(404, 'not_found', 'No route matches this path'));

/** The module's own error answer, so that error bodies also carry `Content-Type: application/json` bare. */
export function errorResponder(): ErrorRequestHandler {
  return (error, req, res, next) => {
    const answer = asHttpError(error);
    if (!answer || res.headersSent) return next(error);
    const headers = { ...answer.headers };
    if (req.method === 'GET' || req.method === 'HEAD') {
      headers['Cache-Control'] = req.path.startsWith('/notifications') ? 'private, no-cache' : 'no-cache';
    }
    sendJson(res, answer.status, JSON.stringify(errorBody(answer.code, answer.message, answer.details)), headers);
  };
}

function asHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (isUnavailableError(error)) {
    return new HttpError(503, 'unavailable', 'A backing service is unavailable; retry shortly', null, { 'Retry-After': '1' });
  }
  return undefined;
}

export function requestBody(req: Request): Record<string, unknown> {
  return req.body as Record<string, unknown>;
}
