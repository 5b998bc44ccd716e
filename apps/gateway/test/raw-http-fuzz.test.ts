import { exchange, startTestApp, type RawOutcome, type TestApp } from '@platform/platform/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moduleFactories } from '../src/modules';
import { arbitraryFromSchema, type JsonSchema } from './fuzz-arbitraries';
import { FAMILIES, random, rawCase, type Family, type RawCase, type RawOperation } from './raw-http-cases';

type Operation = {
  parameters?: { name: string; in: 'path' | 'query' | 'header'; schema: JsonSchema }[];
  requestBody?: { content: { 'application/json': { schema: JsonSchema } } };
};

// `npm run fuzz:long` raises both; the same pair repeats the same bytes.
const REQUESTS = Number(process.env.RAW_FUZZ_REQUESTS ?? 1_200);
const SEED = Number(process.env.RAW_FUZZ_SEED ?? 20261206);
const CONNECTIONS = 8;
const TIMEOUT_MS = Math.max(120_000, REQUESTS * 60);
const PLATFORM_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']);

const sample = (schema: JsonSchema | undefined, seed: number) => fc.sample(arbitraryFromSchema(schema), { seed, numRuns: 1 })[0];

function isErrorBody(body: Buffer): boolean {
  try {
    const { error } = JSON.parse(body.toString('utf8'));
    return typeof error?.code === 'string' && typeof error.message === 'string' && 'details' in error;
  } catch {
    return false;
  }
}

/** What is wrong with the outcome: a 5xx, a 4xx without the error body, or no answer where one is owed. */
function problems(rawCase: RawCase, outcome: RawOutcome): string[] {
  const found: string[] = [];
  outcome.responses.forEach((response, i) => {
    if (response.status >= 500 || response.status < 100) found.push(`status ${response.status}: ${response.body.toString('utf8').slice(0, 200)}`);
    else if (response.status >= 400 && rawCase.methods[i] !== 'HEAD' && !isErrorBody(response.body)) found.push(`${response.status} without the error body`);
  });
  const missing = rawCase.methods.length - outcome.responses.length;
  // A response that announced `Connection: close` legitimately ends a pipeline early.
  const closedOnPurpose = outcome.responses.at(-1)?.headers.connection?.toLowerCase() === 'close';
  if (rawCase.responseDue && missing > 0 && !closedOnPurpose) {
    found.push(`${missing} of ${rawCase.methods.length} responses missing (${outcome.timedOut ? 'timed out' : 'connection dropped'})`);
  }
  return found;
}

describe('raw-HTTP fuzzing of every operation in /openapi.json', () => {
  let app: TestApp;
  let operations: RawOperation[];

  beforeAll(async () => {
    // scrypt at its floor: at the default cost, logins queued behind each other outlast the wait for an answer on 2 cores.
    app = await startTestApp({ modules: moduleFactories, env: { SNACKDRAWER_SCRYPT_LOG2N: '14' } });
    const document = await (await app.request('/openapi.json')).json();
    operations = Object.entries(document.paths as Record<string, Record<string, Operation>>)
      .filter(([template]) => !PLATFORM_PATHS.has(template))
      .flatMap(([template, item]) =>
        Object.entries(item).map(([method, operation], index): RawOperation => {
          const parameters = operation.parameters ?? [];
          const schema = operation.requestBody?.content['application/json'].schema;
          return {
            method: method.toUpperCase(),
            template,
            pathValues: Object.fromEntries(
              parameters.filter((p) => p.in === 'path').map((p) => [p.name, encodeURIComponent(String(sample(p.schema, SEED + index)) || 'x')]),
            ),
            queryNames: parameters.filter((p) => p.in === 'query').map((p) => p.name),
            body: schema ? JSON.stringify(sample(schema, SEED + index)) : undefined,
          };
        }),
      );
  });
  afterAll(() => app.close());

  it('answers every hostile request below 500, with the error body, and never drops one that is owed an answer', async () => {
    expect(operations.length).toBeGreaterThan(0);
    const port = Number(new URL(app.baseUrl).port);
    const rng = random(SEED);
    let requests = 0;
    let connections = 0;
    // Drawn one at a time as connections free up: the same seed still gives the same sequence of cases.
    const nextCase = (): RawCase | undefined => {
      if (requests >= REQUESTS) return undefined;
      const next = rawCase(rng, operations, FAMILIES[connections++ % FAMILIES.length]!);
      requests += next.methods.length;
      return next;
    };

    const failures: { family: Family; label: string; problem: string }[] = [];
    const statuses: Record<string, number> = {};
    const connection = async () => {
      for (let current = nextCase(); current; current = nextCase()) {
        const outcome = await exchange(port, current);
        for (const response of outcome.responses) statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        for (const problem of problems(current, outcome)) failures.push({ family: current.family, label: current.label.slice(0, 300), problem });
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, connection));

    const byFamily = Object.fromEntries(FAMILIES.map((family) => [family, failures.filter((f) => f.family === family).length]));
    console.log(`raw fuzz: seed ${SEED}, ${requests} requests in ${connections} connections; statuses ${JSON.stringify(statuses)}; failures by family ${JSON.stringify(byFamily)}`);
    expect(failures.slice(0, 25), `${failures.length} failures; by family ${JSON.stringify(byFamily)}`).toEqual([]);
  }, TIMEOUT_MS);
});
