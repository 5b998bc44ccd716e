import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { z } from 'zod';
import { canonicalJson } from './canonical-json';
import { join, type Detail } from './envelope';

/** Checks `data` of one event type; returns the problems (paths from the event root), empty when valid. */
export type DataValidator = (data: Record<string, unknown>) => Detail[];

const SEGMENT_CATEGORY = 'segment';
const MAX_SCHEMA_BYTES = 64 * 1024;

const pageview = z.looseObject({
  host: z.string().min(1).max(255),
  path: z.string().min(1).max(2048).startsWith('/'),
});

const BUILTIN_SCHEMAS: { category: string; name: string; schema: z.ZodType }[] = [
  { category: 'form interaction', name: 'submit', schema: pageview.extend({ form: z.record(z.string(), z.unknown()) }) },
  { category: 'page interaction', name: 'cta click', schema: pageview.extend({ element: z.string().min(1).max(255) }) },
  { category: 'page interaction', name: 'pageview', schema: pageview },
];

interface BuiltinType {
  category: string;
  name: string;
  jsonSchema: Record<string, unknown>;
  validate: DataValidator;
}

function zodValidator(schema: z.ZodType): DataValidator {
  return (data) => {
    const result = schema.safeParse(data);
    if (result.success) return [];
    return result.error.issues.map((issue) => ({
      path: issue.path.reduce<string>((path, key) => join(path, typeof key === 'symbol' ? String(key) : key), 'data'),
      message: issue.message,
    }));
  };
}

function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema) as Record<string, unknown>;
}

const SEGMENT_SCHEMA = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' };

/** Built-ins ordered by category, then name; the Segment one (`segment` / `*`) accepts any object. */
export const BUILTIN_TYPES: BuiltinType[] = [
  ...BUILTIN_SCHEMAS.map(({ category, name, schema }) => ({ category, name, jsonSchema: toJsonSchema(schema), validate: zodValidator(schema) })),
  { category: SEGMENT_CATEGORY, name: '*', jsonSchema: SEGMENT_SCHEMA, validate: () => [] },
];

export function builtinType(category: string, name: string): BuiltinType | undefined {
  return BUILTIN_TYPES.find((type) => type.category === category && type.name === name) ?? (category === SEGMENT_CATEGORY ? BUILTIN_TYPES.at(-1) : undefined);
}

export function isExactBuiltin(category: string, name: string): boolean {
  return BUILTIN_TYPES.some((type) => type.category === category && type.name === name);
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const DRAFT_07 = new Set(['http://json-schema.org/draft-07/schema#', 'http://json-schema.org/draft-07/schema', 'https://json-schema.org/draft-07/schema#', 'https://json-schema.org/draft-07/schema']);
const DRAFT_2019 = new Set(['https://json-schema.org/draft/2019-09/schema', 'https://json-schema.org/draft/2019-09/schema#']);
const DRAFT_2020 = new Set(['https://json-schema.org/draft/2020-12/schema', 'https://json-schema.org/draft/2020-12/schema#']);

type CompileResult = { ok: true; validate: DataValidator } | { ok: false; details: Detail[] };

/** Compiles a registered JSON Schema with the draft its `$schema` names (draft-07 by default); no remote refs. */
export function compileSchema(schema: unknown): CompileResult {
  const problem = (message: string): CompileResult => ({ ok: false, details: [{ path: 'schema', message }] });
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return problem('Must be a JSON Schema object');
  if (Buffer.byteLength(canonicalJson(schema)) > MAX_SCHEMA_BYTES) return problem(`Must be at most ${MAX_SCHEMA_BYTES} bytes`);
  const draft = (schema as { $schema?: unknown }).$schema;
  let ajv: Ajv;
  const options = { allErrors: true, strict: false, validateSchema: true, loadSchema: undefined } as const;
  if (draft === undefined || (typeof draft === 'string' && DRAFT_07.has(draft))) ajv = new Ajv(options);
  else if (typeof draft === 'string' && DRAFT_2019.has(draft)) ajv = new Ajv2019(options) as unknown as Ajv;
  else if (typeof draft === 'string' && DRAFT_2020.has(draft)) ajv = new Ajv2020(options) as unknown as Ajv;
  else return problem('$schema must name draft-07, 2019-09 or 2020-12');
  addFormats(ajv);
  let compiled: ValidateFunction;
  try {
    compiled = ajv.compile(schema as AnySchema);
  } catch (error) {
    return problem(`Does not compile: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    ok: true,
    validate: (data) => (compiled(data) ? [] : (compiled.errors ?? []).map(ajvDetail)),
  };
}

function ajvDetail(error: ErrorObject): Detail {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (error.keyword === 'required') segments.push(String((error.params as { missingProperty: string }).missingProperty));
  if (error.keyword === 'additionalProperties') segments.push(String((error.params as { additionalProperty: string }).additionalProperty));
  return { path: segments.reduce(join, 'data'), message: error.message ?? 'Invalid value' };
}
