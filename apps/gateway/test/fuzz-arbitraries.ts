import fc from 'fast-check';

export type JsonSchema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
};

const FORMATS: Record<string, fc.Arbitrary<string>> = {
  'date-time': fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  date: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  email: fc.emailAddress(),
  uuid: fc.uuid(),
  uri: fc.webUrl(),
};

/** Values a JSON Schema accepts (a practical subset: what zod's JSON Schema output uses). */
export function arbitraryFromSchema(schema: JsonSchema = {}): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf ?? schema.oneOf) return fc.oneof(...(schema.anyOf ?? schema.oneOf)!.map(arbitraryFromSchema));
  if (schema.allOf?.length) return arbitraryFromSchema(Object.assign({}, ...schema.allOf));
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1) return fc.oneof(...types.map((type) => arbitraryFromSchema({ ...schema, type })));
  switch (types[0]) {
    case 'string':
      if (schema.format && FORMATS[schema.format]) return FORMATS[schema.format]!;
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => lengthOk(s, schema));
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40), unit: 'grapheme' }).filter((s) => lengthOk(s, schema));
    case 'integer':
      return fc.integer({ min: bound(schema.minimum, schema.exclusiveMinimum, 1, -1e6), max: bound(schema.maximum, schema.exclusiveMaximum, -1, 1e6) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(arbitraryFromSchema(schema.items), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 3, 3) });
    case 'object': {
      const properties = schema.properties ?? {};
      const model = Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, arbitraryFromSchema(value)]));
      return fc.record(model, { requiredKeys: (schema.required ?? []).filter((key) => key in properties) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function lengthOk(value: string, schema: JsonSchema): boolean {
  const length = [...value].length;
  return length >= (schema.minLength ?? 0) && length <= (schema.maxLength ?? Infinity);
}

function bound(inclusive: number | undefined, exclusive: number | undefined, step: number, fallback: number): number {
  const value = inclusive ?? (exclusive !== undefined ? exclusive + step : fallback);
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, value));
}

const NASTY_STRINGS = [
  '',
  '\u0000',
  'a\u0000b',
  '\u202e\u0301\ud83d\ude00',
  '\ud800',
  'x'.repeat(100_000),
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00',
  '１２３',
  'NaN',
  '1e309',
];

/** Path segments that ids must survive: zero, negatives, decimals, overflow, traversal, injection. */
export const hostilePathValues = fc.constantFrom('0', '-1', 'abc', '1.5', '1e3', '99999999999999999999', '9007199254740993', '%00', '..%2F', "' OR 1=1 --", 'ä', 'x'.repeat(300), ' ', 'null', 'undefined', '__proto__');

export const hostileQueryValues = fc.oneof(fc.constantFrom(...NASTY_STRINGS.filter((s) => s.length < 1000), '-1', '0', '1e400', '[]', '{}'), fc.string());

function deeplyNested(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Bodies a parser or schema must refuse cleanly: wrong types, missing and extra fields, hostile text. */
export function hostileBodies(schema: JsonSchema): fc.Arbitrary<string> {
  const valid = arbitraryFromSchema(schema);
  const properties = Object.keys(schema.properties ?? {});
  const mutations: fc.Arbitrary<string>[] = [
    fc.constantFrom(
      '',
      '{',
      'null',
      '[]',
      '"string"',
      '{"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      deeplyNested(5_000),
      `{"text":"${'x'.repeat(2_000_000)}"}`,
    ),
    valid.map((value) => JSON.stringify(value) + 'garbage'),
  ];
  if (properties.length) {
    const key = fc.constantFrom(...properties);
    const wrong = fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer()), fc.object());
    mutations.push(
      fc.tuple(valid, key, wrong).map(([value, k, w]) => JSON.stringify({ ...(value as object), [k]: w })),
      fc.tuple(valid, key).map(([value, k]) => {
        const copy = { ...(value as Record<string, unknown>) };
        delete copy[k];
        return JSON.stringify(copy);
      }),
      valid.map((value) => JSON.stringify({ ...(value as object), unexpected_field: 'x' })),
    );
  }
  return fc.oneof(...mutations);
}
