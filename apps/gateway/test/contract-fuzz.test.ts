import { startTestApp, type TestApp } from '@platform/platform/testing';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moduleFactories } from '../src/modules';
import { arbitraryFromSchema, hostileBodies, hostilePathValues, hostileQueryValues, type JsonSchema } from './fuzz-arbitraries';

type Operation = {
  operationId: string;
  parameters?: { name: string; in: 'path' | 'query' | 'header'; schema: JsonSchema }[];
  requestBody?: { content: { 'application/json': { schema: JsonSchema } } };
  responses: Record<string, { content?: { 'application/json'?: { schema: JsonSchema } } }>;
};
type Sample = { path: string; query: string; body: string | undefined };

const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 12);
// Each run costs about 2 s here (one request per operation, valid and hostile): long runs (`npm run fuzz:long`) need more than 10 minutes.
const TIMEOUT_MS = Math.max(600_000, RUNS_PER_OPERATION * 30_000);
// Platform endpoints answer fixed documents; the modules are what takes untrusted input.
const PLATFORM_PATHS = new Set(['/', '/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']);

describe('contract fuzzing from /openapi.json', () => {
  let app: TestApp;
  let operations: { method: string; template: string; operation: Operation }[];
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });

  beforeAll(async () => {
    app = await startTestApp({ modules: moduleFactories });
    const document = await (await app.request('/openapi.json')).json();
    operations = Object.entries(document.paths as Record<string, Record<string, Operation>>)
      .filter(([template]) => !PLATFORM_PATHS.has(template))
      .flatMap(([template, item]) => Object.entries(item).map(([method, operation]) => ({ method: method.toUpperCase(), template, operation })));
  });
  afterAll(() => app.close());

  function sampleArbitrary(operation: Operation, template: string, hostile: boolean): fc.Arbitrary<Sample> {
    const parameters = operation.parameters ?? [];
    const pathParams = parameters.filter((p) => p.in === 'path');
    const queryParams = parameters.filter((p) => p.in === 'query');
    // An empty segment would address a different route (`/errors/` is the list, not an item).
    // `.` and `..` are resolved by the client before sending: they address other routes, not odd ids.
    const segment = (p: { schema: JsonSchema }) =>
      arbitraryFromSchema(p.schema)
        .map(String)
        .filter((value) => value.length > 0 && value !== '.' && value !== '..');
    const pathArb = fc.tuple(...pathParams.map((p) => (hostile ? fc.oneof(hostilePathValues, segment(p)) : segment(p))));
    const queryArb = fc.tuple(
      ...queryParams.map((p) =>
        fc.option(hostile ? fc.oneof(hostileQueryValues, arbitraryFromSchema(p.schema).map(String)) : arbitraryFromSchema(p.schema).map(String), { nil: undefined }),
      ),
    );
    const bodySchema = operation.requestBody?.content['application/json'].schema;
    const bodyArb: fc.Arbitrary<string | undefined> = bodySchema
      ? hostile
        ? fc.oneof(hostileBodies(bodySchema), fc.anything().map((value) => JSON.stringify(value) ?? 'null'))
        : arbitraryFromSchema(bodySchema).map((value) => JSON.stringify(value))
      : fc.constant(undefined);
    return fc.record({ pathValues: pathArb, queryValues: queryArb, body: bodyArb }).map(({ pathValues, queryValues, body }) => {
      let path = template;
      pathParams.forEach((p, i) => (path = path.replace(`{${p.name}}`, encodeURIComponent(pathValues[i]!))));
      const query = new URLSearchParams();
      queryParams.forEach((p, i) => queryValues[i] !== undefined && query.set(p.name, queryValues[i]!));
      return { path, query: query.size ? `?${query}` : '', body };
    });
  }

  async function send(method: string, sample: Sample) {
    const response = await app.request(sample.path + sample.query, {
      method,
      headers: sample.body === undefined ? {} : { 'content-type': 'application/json' },
      body: sample.body,
    });
    const text = await response.text();
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', text };
  }

  function checkAnswer(method: string, template: string, operation: Operation, sample: Sample, answer: Awaited<ReturnType<typeof send>>) {
    const where = `${method} ${sample.path}${sample.query} body=${(sample.body ?? '').slice(0, 200)} → ${answer.status} ${answer.text.slice(0, 300)}`;
    expect(answer.status, where).toBeLessThan(500);
    if (answer.status >= 400) {
      const body = JSON.parse(answer.text);
      expect(Object.keys(body), where).toEqual(['error']);
      expect(typeof body.error.code, where).toBe('string');
      expect(typeof body.error.message, where).toBe('string');
      expect('details' in body.error, where).toBe(true);
    } else if (answer.contentType.includes('application/json')) {
      const schema = operation.responses[String(answer.status)]?.content?.['application/json']?.schema;
      if (schema) {
        const validate = ajv.compile(schema);
        expect(validate(JSON.parse(answer.text)), `${where} ${template}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      }
    }
  }

  it('every operation answers valid and hostile input with < 500, the error body on 4xx, and documented 2xx bodies', async () => {
    expect(operations.length).toBeGreaterThan(0);
    for (const { method, template, operation } of operations) {
      for (const hostile of [false, true]) {
        await fc.assert(
          fc.asyncProperty(sampleArbitrary(operation, template, hostile), async (sample) => {
            checkAnswer(method, template, operation, sample, await send(method, sample));
          }),
          { numRuns: RUNS_PER_OPERATION, seed: Number(process.env.FUZZ_SEED ?? 20261130), endOnFailure: true },
        );
      }
    }
  }, TIMEOUT_MS);
});
