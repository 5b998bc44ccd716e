import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';

export type OperationMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call an operation: the OpenAPI security schemes that are accepted (any one of them; none = public)
 * and the module's auth step, whose result the handler receives as `input.auth`.
 */
export interface Security<A = undefined> {
  schemes: string[];
  authenticate?(req: Request, res: Response): A | Promise<A>;
}

export const PUBLIC: Security = { schemes: [] };

export interface RequestSchemas {
  // params and query: object schemas, possibly piped into a module's own parser.
  /** A value that fails its params schema names nothing: 404 `not_found` with the failing check's message. */
  params?: z.ZodType;
  query?: z.ZodType;
  /** Keys are header names as documented (`Idempotency-Key`); they are read case-insensitively. */
  headers?: z.ZodObject;
  body?: z.ZodType;
}

/** A response: a zod schema of its JSON body, or a full description (errors use the platform's error body). */
export type ResponseSpec =
  | z.ZodType
  | { description: string; schema?: z.ZodType; mediaType?: string; headers?: Record<string, string>; error?: true };

export interface BodyOptions {
  /**
   * `json`: the kernel's JSON parser; `raw`: bytes as a Buffer; `stream`: the handler reads the stream itself;
   * a middleware: the module's own reader (it enforces `limit`).
   */
  parser: 'json' | 'raw' | 'stream' | RequestHandler;
  limit: string | number;
  /** Media types the body is documented with (default `application/json`). */
  mediaTypes?: string[];
  /** The documented body of a `raw`, `stream` or module-read body, which the handler validates itself. */
  schema?: z.ZodType;
}

export interface CorsOptions {
  allowHeaders: string[];
  maxAgeSeconds: number;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface OperationInput<R extends RequestSchemas, A> {
  params: Parsed<R['params']>;
  query: Parsed<R['query']>;
  headers: Parsed<R['headers']>;
  body: Parsed<R['body']>;
  auth: A;
}

/** One method on one path, declared once: routing, auth, validation, 405/Allow/OPTIONS and OpenAPI come from it. */
export interface Operation<R extends RequestSchemas = RequestSchemas, A = unknown> {
  method: OperationMethod;
  /** Express form, relative to the module's prefix: `/groups/:gid`. */
  path: string;
  summary: string;
  description?: string;
  /** Defaults to the module's name. */
  tags?: string[];
  security: Security<A>;
  request?: R;
  responses: Record<number, ResponseSpec>;
  body?: BodyOptions;
  /** The module's Idempotency-Key middleware, run after the body is read and before validation. */
  idempotency?: RequestHandler;
  /** Runs before anything else once the route matched (e.g. fault injection). */
  before?: RequestHandler[];
  /** CORS for browsers: `Access-Control-Allow-Origin: *` and preflights answered on this path. */
  cors?: CorsOptions;
  handler(input: OperationInput<R, A>, req: Request, res: Response): unknown;
}

// The router and the document handle operations of any schemas; each declaration keeps its own types.
export type AnyOperation = Operation<any, any>;

/** Declares an operation with its handler's input typed from its schemas and its auth step. */
export function operation<R extends RequestSchemas = Record<never, never>, A = undefined>(declaration: Operation<R, A>): AnyOperation {
  return declaration;
}
