import { z } from 'zod';

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
  /** Names of the module's `securitySchemes`, any one of which the operation accepts. */
  security?: string[];
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

export function toOpenApiPath(expressPath: string): string {
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
      ...(op.security ? { security: op.security.map((name) => ({ [name]: [] })) } : {}),
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

/** The platform's document: every module's paths under its prefix. */
export function buildOpenApiDocument(
  info: { title: string; version: string },
  modules: { name: string; openapi?: OpenApiPaths; securitySchemes?: Record<string, JsonSchema> }[],
  platformPaths: OpenApiPaths,
): Record<string, unknown> {
  const paths: OpenApiPaths = { ...platformPaths };
  const securitySchemes: Record<string, JsonSchema> = {};
  for (const module of modules) {
    for (const [path, item] of Object.entries(module.openapi ?? {})) paths[`/${module.name}${path === '/' ? '' : path}`] = item;
    Object.assign(securitySchemes, module.securitySchemes);
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    tags: modules.map((m) => ({ name: m.name })),
    ...(Object.keys(securitySchemes).length ? { components: { securitySchemes } } : {}),
  };
}
