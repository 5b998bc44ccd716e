import { z } from 'zod';

// Transitional: the paths of a module not yet declared through `operation()`.

type JsonSchema = Record<string, unknown>;
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head';
export type OpenApiOperation = Record<string, unknown>;
/** Paths relative to the module's mount point, in OpenAPI form (`/groups/{id}`). */
export type OpenApiPaths = Record<string, Partial<Record<HttpMethod, OpenApiOperation>>>;

export interface OperationSpec {
  method: HttpMethod;
  /** Express form, as mounted in the module's router: `/groups/:id`. */
  path: string;
  summary: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  params?: z.ZodObject;
  /** Status code → response body schema (`null` for an empty body). */
  responses: Record<number, z.ZodType | null>;
  /** Header parameters the operation reads (`Idempotency-Key`, `If-Match`, ...). */
  headers?: string[];
}

const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
};

function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** Builds a module's OpenAPI paths from the same zod schemas its routes validate with. */
export function openApiPaths(tag: string, operations: OperationSpec[]): OpenApiPaths {
  const paths: OpenApiPaths = {};
  for (const op of operations) {
    const parameters = [
      ...objectParameters(op.params, 'path'),
      ...objectParameters(op.query, 'query'),
      ...(op.headers ?? []).map((name) => ({ name, in: 'header', required: false, schema: { type: 'string' } })),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries(op.responses)) {
      responses[status] = schema
        ? { description: `HTTP ${status}`, content: { 'application/json': { schema: jsonSchema(schema, 'output') } } }
        : { description: `HTTP ${status}` };
    }
    responses.default = { description: 'Error', content: { 'application/json': { schema: ERROR_SCHEMA } } };
    const path = toOpenApiPath(op.path);
    paths[path] ??= {};
    paths[path][op.method] = {
      tags: [tag],
      summary: op.summary,
      operationId: `${tag}.${op.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body, 'input') } } } }
        : {}),
      responses,
    };
  }
  return paths;
}

function objectParameters(schema: z.ZodObject | undefined, location: 'path' | 'query') {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}

