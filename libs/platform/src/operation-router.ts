import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import { HttpError } from './errors';
import { jsonBody, zodDetails, type ValidationDetail } from './http';
import type { AnyOperation, BodyOptions, CorsOptions, OperationMethod } from './operation';

const METHOD_ORDER: OperationMethod[] = ['get', 'post', 'put', 'patch', 'delete'];

/** `Allow` of a path: its methods in a fixed order, HEAD beside GET (Express answers HEAD with the GET route). */
export function allowedMethods(methods: Iterable<OperationMethod>): string[] {
  const present = new Set(methods);
  return METHOD_ORDER.filter((method) => present.has(method)).flatMap((method) => (method === 'get' ? ['GET', 'HEAD'] : [method.toUpperCase()]));
}

export function methodNotAllowed(method: string, allow: string[]): HttpError {
  return new HttpError(405, 'method_not_allowed', `${method} is not allowed on this path; allowed: ${allow.join(', ')}`, { allow }, { Allow: allow.join(', ') });
}

/**
 * The Express routes of a list of operations, flat on one router (so `req.route.path` is the template the
 * metrics label with). Per operation: before → auth → params → body → idempotency → query/headers/body → handler.
 * Per path: OPTIONS answered 204 with `Allow` (a CORS preflight where declared), any other method 405.
 */
export function operationRouter(operations: AnyOperation[]): Router {
  const router = Router();
  const byPath = new Map<string, AnyOperation[]>();
  for (const op of operations) {
    const siblings = byPath.get(op.path) ?? [];
    if (siblings.some((other) => other.method === op.method)) throw new Error(`${op.method.toUpperCase()} ${op.path} is declared twice`);
    byPath.set(op.path, [...siblings, op]);
  }
  for (const [path, ops] of byPath) {
    for (const op of ops) router[op.method](path, ...pipeline(op));
    const allow = allowedMethods(ops.map((op) => op.method));
    const cors = ops.filter((op) => op.cors);
    router.all(path, (req, res) => {
      if (cors.length) res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Allow', allow.join(', '));
      if (req.method !== 'OPTIONS') throw methodNotAllowed(req.method, allow);
      if (cors.length) preflight(res, cors[0]!.cors!, allowedMethods(cors.map((op) => op.method)));
      res.status(204).end();
    });
  }
  return router;
}

function preflight(res: Response, cors: CorsOptions, methods: string[]): void {
  res.setHeader('Access-Control-Allow-Methods', [...methods, 'OPTIONS'].join(', '));
  res.setHeader('Access-Control-Allow-Headers', cors.allowHeaders.join(', '));
  res.setHeader('Access-Control-Max-Age', String(cors.maxAgeSeconds));
}

function pipeline(op: AnyOperation): RequestHandler[] {
  const { request = {}, security } = op;
  const handlers: RequestHandler[] = [];
  if (op.cors) {
    handlers.push((_req, res, next) => {
      res.setHeader('Access-Control-Allow-Origin', '*');
      next();
    });
  }
  handlers.push(...(op.before ?? []));
  handlers.push(async (req, res, next) => {
    res.locals.auth = security.authenticate ? await security.authenticate(req, res) : undefined;
    const params = request.params?.safeParse(req.params);
    if (params && !params.success) throw new HttpError(404, 'not_found', params.error.issues[0]!.message);
    next();
  });
  if (op.body && op.body.parser !== 'stream') handlers.push(bodyParser(op.body));
  if (op.idempotency) handlers.push(op.idempotency);
  handlers.push(async (req, res) => {
    const details: ValidationDetail[] = [];
    const parse = (part: 'params' | 'query' | 'headers' | 'body', schema: z.ZodType | undefined, value: unknown) => {
      if (!schema) return undefined;
      const result = schema.safeParse(value);
      if (result.success) return result.data;
      details.push(...zodDetails(result.error).map((detail) => ({ ...detail, in: part === 'headers' ? 'header' : part })));
      return undefined;
    };
    const input = {
      params: parse('params', request.params, req.params),
      query: parse('query', request.query, req.query ?? {}),
      headers: parse('headers', request.headers, request.headers && headerValues(req, request.headers)),
      body: parse('body', request.body, req.body ?? {}),
      auth: res.locals.auth,
    };
    if (details.length) throw new HttpError(422, 'validation_failed', 'Invalid request', details);
    await op.handler(input, req, res);
  });
  return handlers;
}

function headerValues(req: Request, schema: z.ZodObject): Record<string, unknown> {
  return Object.fromEntries(Object.keys(schema.shape).map((name) => [name, req.headers[name.toLowerCase()]]));
}

function bodyParser(options: BodyOptions): RequestHandler {
  if (options.parser === 'json') return jsonBody({ limit: options.limit });
  if (options.parser === 'raw') return express.raw({ type: () => true, limit: options.limit });
  return options.parser as RequestHandler;
}
