import { httpScenarioResult, latencyOf } from '../http-result';
import type { Scenario, ScenarioContext } from '../scenario';

const JSON_HEADERS = { 'content-type': 'application/json' };
const STATES = ['NY', 'CA', 'TX', 'IL', 'MA', 'WA', 'FL', 'DC'];
const PERSIST_DEADLINE_MS = 5_000;

async function persistedRows(context: ScenarioContext): Promise<number> {
  const [row] = await context.query<{ n: number }>('SELECT count(*)::int AS n FROM messy.messages');
  return row?.n ?? 0;
}

/** messy_batch_size from the gateway's /metrics: count, mean, transactions of ≤ 50 messages and every bucket. */
async function batchSpread(context: ScenarioContext): Promise<Record<string, number | string>> {
  const text = await (await fetch(`${context.baseUrl}/metrics`)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
  const count = value(/^messy_batch_size_count (\S+)$/m);
  const sum = value(/^messy_batch_size_sum (\S+)$/m);
  const upTo50 = value(/^messy_batch_size_bucket\{le="50"\} (\S+)$/m);
  const buckets = [...text.matchAll(/^messy_batch_size_bucket\{le="([^"]+)"\} (\S+)$/gm)].map(([, le, n]) => `${le}:${n}`).join(' ');
  return { batchTransactions: count, meanBatchSize: Math.round((sum / Math.max(1, count)) * 10) / 10, batchesOf50OrLess: upTo50, batchSizeBuckets: buckets };
}

export const scenarios: Scenario[] = [
  {
    module: 'messy',
    name: 'write-persisted',
    summary: 'POST /messy/messages (JSON), 50 connections; figure = messages/s accepted (202), then every one must be persisted within 5 s',
    target: '>= 10000 messages/s',
    async run(context) {
      const before = await persistedRows(context);
      let counter = 0;
      const result = await context.autocannon({
        url: `${context.baseUrl}/messy/messages`,
        connections: 50,
        pipelining: 1,
        requests: [
          {
            method: 'POST',
            headers: JSON_HEADERS,
            setupRequest: (request) => {
              const i = counter++;
              return {
                ...request,
                body: JSON.stringify({ username: `bench-user-${i % 5000}`, city: `City ${i % 300}`, state: STATES[i % STATES.length], message: `bench message ${i}` }),
              };
            },
          },
        ],
      });
      const http = httpScenarioResult(result, { expectStatus: (status) => status === 202 });
      const accepted = result.statusCodeStats?.['202']?.count ?? 0;
      const floodEnded = Date.now();
      let persisted = (await persistedRows(context)) - before;
      while (persisted < accepted && Date.now() - floodEnded < 60_000) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        persisted = (await persistedRows(context)) - before;
      }
      const drainMs = Date.now() - floodEnded;
      const persistedInTime = persisted >= accepted && drainMs <= PERSIST_DEADLINE_MS;
      if (!persistedInTime) context.log(`messy: ${persisted}/${accepted} persisted after ${drainMs} ms (deadline ${PERSIST_DEADLINE_MS} ms)`);
      const seconds = Math.max(1, context.durationSeconds);
      return {
        figure: Math.round(accepted / seconds),
        unit: 'messages/s',
        items: accepted,
        latency: latencyOf(result),
        errors: http.errors + (persistedInTime ? 0 : 1),
        extra: {
          accepted,
          persisted,
          drainMs,
          persistedPerSecond: Math.round(persisted / (seconds + drainMs / 1_000)),
          non202: http.extra?.unexpectedStatuses ?? 0,
          ...(await batchSpread(context)),
        },
      };
    },
  },
  {
    module: 'messy',
    name: 'stats',
    summary: 'GET /messy/stats served from the cached snapshot, 50 connections',
    target: '>= 10000 req/s',
    async run(context) {
      const messages = Array.from({ length: 500 }, (_, i) => ({ username: `u${i % 50}`, city: `C${i % 20}`, state: STATES[i % STATES.length], message: 'x' }));
      await fetch(`${context.baseUrl}/messy/messages/batch`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ messages }) });
      await fetch(`${context.baseUrl}/messy/admin/stats/refresh`, { method: 'POST' });
      const result = await context.autocannon({ url: `${context.baseUrl}/messy/stats`, connections: 50, pipelining: 1 });
      return httpScenarioResult(result);
    },
  },
];
