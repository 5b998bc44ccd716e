import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { errorBody, HttpError } from './errors';
import { redactUrl } from './logger';
import { requestError } from './request-errors';
import { isUnavailableError } from './unavailable';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keeps a well-formed incoming `X-Request-Id`, else mints one; echoes it on the response. */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    next();
  };
}

/**
 * HTTP/1.1 requires a Host header. Node's own check answers a bare 400 (`answerClientErrors` turns it off),
 * so the platform answers here with its error body.
 */
export function hostRequired(): RequestHandler {
  return (req, _res, next) => {
    if (req.httpVersion !== '1.1' || req.headers.host !== undefined) return next();
    next(new HttpError(400, 'missing_host', 'An HTTP/1.1 request must carry a Host header'));
  };
}

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * JSON body parsing for a module: 415 for a non-JSON body, 413 past `limit`, 400 for unparseable JSON.
 * Any JSON value is accepted here so that the module's schema can answer 422 for "not an object".
 */
export function jsonBody(options: { limit?: string | number } = {}): RequestHandler {
  const parse = express.json({ limit: options.limit ?? '100kb', strict: false, type: isJsonType });
  return (req, res, next) => {
    if (!METHODS_WITH_BODY.has(req.method) || !hasBody(req)) return next();
    if (!isJsonType(req)) {
      return next(new HttpError(415, 'unsupported_media_type', 'Content-Type must be application/json'));
    }
    parse(req, res, next);
  };
}

function isJsonType(req: { headers: Request['headers'] }): boolean {
  const type = req.headers['content-type'];
  if (!type) return false;
  const mediaType = type.split(';', 1)[0]!.trim().toLowerCase();
  return mediaType === 'application/json' || (mediaType.startsWith('application/') && mediaType.endsWith('+json'));
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

export type ValidationDetail = { path: string; message: string; code: string; in?: string };

/** One detail per failing field; an unknown key is named in its own path rather than its parent's. */
export function zodDetails(error: z.ZodError): ValidationDetail[] {
  return error.issues.flatMap((issue): ValidationDetail[] => {
    if (issue.code !== 'unrecognized_keys') return [{ path: issue.path.join('.'), message: issue.message, code: issue.code }];
    return issue.keys.map((key) => ({ path: [...issue.path, key].join('.'), message: 'Unknown field', code: issue.code }));
  });
}

/** Parses `value` with `schema`, or throws 422 `validation_failed` listing every failing field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what = 'request'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new HttpError(422, 'validation_failed', `Invalid ${what}`, zodDetails(result.error));
}

export function notFoundHandler(): RequestHandler {
  return (_req, _res, next) => next(new HttpError(404, 'not_found', 'No route matches this path'));
}

/** Answers every error with `{"error":{"code","message","details"}}`; no stack trace ever leaves the process. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const answer = toHttpError(error);
    if (answer.status >= 500 && answer.code === 'internal_error') {
      logger.error({ err: error, requestId: res.locals.requestId, method: req.method, url: redactUrl(req.originalUrl) }, 'unhandled error');
    } else if (answer.status === 503) {
      logger.warn({ err: error, requestId: res.locals.requestId }, answer.message);
    }
    if (res.headersSent) return res.destroy();
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    res.status(answer.status).json(errorBody(answer.code, answer.message, answer.details));
  };
}

function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof z.ZodError) return new HttpError(422, 'validation_failed', 'Invalid request', zodDetails(error));
  const clientError = requestError(error);
  if (clientError) return clientError;
  if (isPgDataException(error)) {
    // Defence in depth: a value that slipped past a schema (a NUL in text, an out-of-range number) is still
    // the client's bad input, not a server fault.
    return new HttpError(422, 'invalid_value', 'A value in the request cannot be stored (invalid characters or out of range)');
  }
  if (isUnavailableError(error)) {
    return new HttpError(503, 'unavailable', 'A backing service is unavailable; retry shortly', null, {
      'Retry-After': '1',
    });
  }
  return new HttpError(500, 'internal_error', 'Internal server error');
}

/** SQLSTATE class 22: data exceptions (invalid text, numeric overflow, bad datetime), raised on bad values. */
function isPgDataException(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code) && 'severity' in (error as object);
}
