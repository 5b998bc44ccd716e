import { z } from 'zod';
import type { AnyOperation, ResponseSpec } from './operation';

type JsonSchema = Record<string, unknown>;

/** One tag of the document: a module (under its prefix) or the platform endpoints (prefix ''). */
export interface OpenApiSection {
  prefix: string;
  tag: { name: string; description: string };
  operations: AnyOperation[];
  /** OpenAPI security scheme objects by name, as the operations' `security.schemes` name them. */
  securitySchemes?: Record<string, Record<string, unknown>>;
}

const ERROR_REF = { $ref: '#/components/schemas/Error' };
const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', description: 'Stable machine-readable code' },
        message: { type: 'string' },
        details: { description: 'Structured details (e.g. one entry per failing field), or null' },
      },
    },
  },
};

/** The code an error of each status usually carries, for its documented example. */
const ERROR_CODES: Record<number, string> = {
  400: 'malformed_json',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation_failed',
  429: 'too_many_requests',
  503: 'unavailable',
};

/** An error response: the shared error body, with an example of this status rather than one example for all. */
function errorContent(status: number, description: string): Record<string, unknown> {
  const details = status === 422 ? [{ path: 'name', message: 'Required', code: 'invalid_type', in: 'body' }] : null;
  const example = { error: { code: ERROR_CODES[status] ?? 'error', message: description, details } };
  return { 'application/json': { schema: ERROR_REF, example } };
}

/** Errors the router itself answers, shared by reference. */
const ROUTER_ERRORS: Record<number, [string, string]> = {
  400: ['BadRequest', 'The body is not valid JSON or could not be read'],
  401: ['Unauthenticated', 'Missing or invalid credentials'],
  404: ['NotFound', 'Nothing has this path'],
  413: ['PayloadTooLarge', 'The body is over the limit'],
  415: ['UnsupportedMediaType', 'The body has another media type'],
  422: ['ValidationFailed', 'A parameter, header or the body fails its schema'],
};

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No content',
  303: 'See other',
  304: 'Not modified',
  400: 'Bad request',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  412: 'Precondition failed',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable request',
  429: 'Too many requests',
  503: 'Unavailable; retry after Retry-After seconds',
};

export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** `santa.getGroupsGid` from `santa`, `get`, `/groups/{gid}`. */
function operationId(tag: string, method: string, path: string): string {
  return `${tag}.${method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`;
}

/** Converts zod schemas, hoisting every schema with a `meta({ id })` into `components.schemas`. */
class SchemaConverter {
  readonly components: Record<string, JsonSchema> = { Error: ERROR_SCHEMA };

  convert(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const { $schema: _schema, $defs: defs = {}, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema & {
      $defs?: Record<string, JsonSchema>;
    };
    const names = new Map<string, string>();
    const rewrite = (value: JsonSchema): JsonSchema =>
      JSON.parse(JSON.stringify(value), (key, v: unknown) =>
        key === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/') ? `#/components/schemas/${names.get(v.slice(8)) ?? v.slice(8)}` : v,
      ) as JsonSchema;
    // The same id converted alike is one component; converted otherwise (input vs output) it gets its own name.
    for (const [id, definition] of Object.entries(defs)) {
      const text = JSON.stringify(rewrite(definition));
      let name = id;
      for (let n = 2; this.components[name] && JSON.stringify(this.components[name]) !== text; n++) name = `${id}${io === 'input' ? 'Input' : ''}${n}`;
      names.set(id, name);
    }
    for (const [id, definition] of Object.entries(defs)) this.components[names.get(id)!] = rewrite(definition);
    return rewrite(json);
  }
}

function describeResponse(status: number, spec: ResponseSpec, schemas: SchemaConverter): Record<string, unknown> {
  if (spec instanceof z.ZodType) return { description: STATUS_TEXT[status] ?? `HTTP ${status}`, content: { 'application/json': { schema: schemas.convert(spec, 'output') } } };
  const headers = spec.headers && Object.fromEntries(Object.entries(spec.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }]));
  const schema = spec.schema && schemas.convert(spec.schema, 'output');
  const content = schema ? { [spec.mediaType ?? 'application/json']: { schema } } : status >= 400 ? errorContent(status, spec.description) : undefined;
  return {
    description: spec.description,
    ...(headers ? { headers } : {}),
    ...(content ? { content } : {}),
  };
}

function parameters(op: AnyOperation, path: string, schemas: SchemaConverter): Record<string, unknown>[] {
  const request = op.request ?? {};
  const fromObject = (schema: z.ZodType | undefined, location: 'path' | 'query' | 'header') => {
    if (!schema) return [];
    const json = schemas.convert(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    return Object.entries(json.properties ?? {}).map(([name, property]) => {
      const { description, ...rest } = property as { description?: string };
      return { name, in: location, required: location === 'path' || (json.required ?? []).includes(name), ...(description ? { description } : {}), schema: rest };
    });
  };
  const declared = fromObject(request.params, 'path');
  const undeclared = [...path.matchAll(/\{([^}]+)\}/g)]
    .map((match) => match[1]!)
    .filter((name) => !declared.some((p) => p.name === name))
    .map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  return [...declared, ...undeclared, ...fromObject(request.query, 'query'), ...fromObject(request.headers, 'header')];
}

function responses(op: AnyOperation, schemas: SchemaConverter): Record<string, unknown> {
  const request = op.request ?? {};
  const implied: number[] = [];
  if (op.security.schemes.length) implied.push(401);
  if (request.params) implied.push(404);
  if (op.body && op.body.parser !== 'raw' && op.body.parser !== 'stream') implied.push(400, 413, 415);
  if (request.query || request.headers || request.body) implied.push(422);
  const answers: Record<string, unknown> = {};
  for (const status of implied) answers[status] = { $ref: `#/components/responses/${ROUTER_ERRORS[status]![0]}` };
  for (const [status, spec] of Object.entries(op.responses)) answers[status] = describeResponse(Number(status), spec, schemas);
  return Object.fromEntries(Object.entries(answers).sort(([a], [b]) => Number(a) - Number(b)));
}

function requestBody(op: AnyOperation, schemas: SchemaConverter): Record<string, unknown> | undefined {
  const schema = op.request?.body ?? op.body?.schema;
  if (!schema && !op.body) return undefined;
  const json = schema ? schemas.convert(schema, 'input') : {};
  const mediaTypes = op.body?.mediaTypes ?? ['application/json'];
  // The router validates a missing body as `{}`: a schema that accepts that makes the body optional.
  const required = !op.request?.body?.safeParse({}).success;
  return { required, content: Object.fromEntries(mediaTypes.map((type) => [type, { schema: json }])) };
}

/** The platform's OpenAPI 3.1 document, built from the same declarations that route and validate. */
export function buildOpenApiDocument(
  info: { title: string; version: string; description: string },
  serverUrl: string,
  sections: OpenApiSection[],
): Record<string, unknown> {
  const schemas = new SchemaConverter();
  const paths: Record<string, Record<string, unknown>> = {};
  const securitySchemes: Record<string, Record<string, unknown>> = {};
  for (const section of sections) {
    Object.assign(securitySchemes, section.securitySchemes);
    for (const op of section.operations) {
      const path = toOpenApiPath(`${section.prefix}${op.path}`).replace(/(.)\/$/, '$1');
      const tags = op.tags ?? [section.tag.name];
      const unknownScheme = op.security.schemes.find((name) => !section.securitySchemes?.[name]);
      if (unknownScheme) throw new Error(`${op.method.toUpperCase()} ${path} names an undeclared security scheme ${unknownScheme}`);
      const params = parameters(op, path, schemas);
      const body = requestBody(op, schemas);
      paths[path] ??= {};
      paths[path][op.method] = {
        tags,
        summary: op.summary,
        ...(op.description ? { description: op.description } : {}),
        operationId: operationId(tags[0]!, op.method, toOpenApiPath(op.path)),
        security: op.security.schemes.map((name) => ({ [name]: [] })),
        ...(params.length ? { parameters: params } : {}),
        ...(body ? { requestBody: body } : {}),
        responses: responses(op, schemas),
      };
    }
  }
  const text = JSON.stringify(paths);
  const errorResponses = Object.fromEntries(
    Object.entries(ROUTER_ERRORS)
      .filter(([, [name]]) => text.includes(`"#/components/responses/${name}"`))
      .map(([status, [name, description]]) => [name, { description, content: errorContent(Number(status), description) }]),
  );
  return {
    openapi: '3.1.0',
    info: { ...info, license: { name: 'MIT', identifier: 'MIT' } },
    servers: [{ url: serverUrl }],
    tags: sections.map((section) => section.tag),
    paths,
    components: { schemas: schemas.components, responses: errorResponses, securitySchemes },
  };
}
