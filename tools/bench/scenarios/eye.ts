import { randomBytes } from 'node:crypto';
import { httpScenarioResult, latencyOf } from '../http-result';
import type { Scenario, ScenarioContext } from '../scenario';

const JSON_HEADERS = { 'content-type': 'application/json' };
const BATCH_SIZE = 500;
const VISIBILITY_LIMIT_S = 5;

/** One JSON body per request with a `__N__` placeholder, so the load generator spends no time building events. */
function batchTemplate(session: string): string {
  const events = Array.from({ length: BATCH_SIZE }, (_, i) => ({
    session_id: session,
    category: 'page interaction',
    name: i % 2 ? 'cta click' : 'pageview',
    data: { host: 'www.ca.com', path: `/p/${i}`, element: 'chat bubble' },
    timestamp: '2021-01-01 09:15:27.243860',
    event_id: `${session}-__N__-${i}`,
  }));
  return JSON.stringify({ events });
}

async function storedCount(context: ScenarioContext, session: string): Promise<number> {
  const [row] = await context.query<{ count: number }>("SELECT count(*)::int AS count FROM eye.events WHERE application = 'default' AND session_id = $1", [session]);
  return row?.count ?? 0;
}

/** Waits until `expected` events of the session are stored; returns the seconds it took (or the limit when it never did). */
async function waitUntilStored(context: ScenarioContext, session: string, expected: number, limitSeconds: number): Promise<{ seconds: number; stored: number }> {
  const started = Date.now();
  for (;;) {
    const stored = await storedCount(context, session);
    const seconds = (Date.now() - started) / 1000;
    if (stored >= expected || seconds > limitSeconds) return { seconds: Math.round(seconds * 100) / 100, stored };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const scenarios: Scenario[] = [
  {
    module: 'eye',
    name: 'batch-ingest',
    summary: `POST /eye/events/batch, ${BATCH_SIZE} events per request; figure = events accepted per second, each then persisted (drain measured)`,
    target: `>= 20000 events/s, all queryable within ${VISIBILITY_LIMIT_S} s`,
    async run(context) {
      const session = `bench-batch-${randomBytes(4).toString('hex')}`;
      const template = batchTemplate(session);
      let counter = 0;
      let accepted = 0;
      const result = await context.autocannon({
        url: `${context.baseUrl}/eye/events/batch`,
        connections: Math.min(context.connections, 20),
        pipelining: 1,
        requests: [
          {
            method: 'POST',
            headers: JSON_HEADERS,
            setupRequest: (request) => ({ ...request, body: template.replaceAll('__N__', String(counter++)) }),
            onResponse: (status, body) => {
              if (status === 202) accepted += (JSON.parse(body) as { accepted: number }).accepted;
            },
          },
        ],
      });
      const http = httpScenarioResult(result);
      const drain = await waitUntilStored(context, session, accepted, 60);
      const lost = Math.max(0, accepted - drain.stored);
      context.log(`accepted ${accepted} events, ${drain.stored} stored ${drain.seconds} s after the flood`);
      return {
        figure: Math.round(accepted / result.duration),
        unit: 'events/s',
        latency: latencyOf(result),
        errors: http.errors + lost + (drain.seconds > VISIBILITY_LIMIT_S ? 1 : 0),
        extra: {
          requestsPerSec: http.figure,
          eventsAccepted: accepted,
          eventsStored: drain.stored,
          persistedEventsPerSec: Math.round(drain.stored / (result.duration + drain.seconds)),
          drainSeconds: drain.seconds,
          non2xx: http.errors,
        },
      };
    },
  },
  {
    module: 'eye',
    name: 'single-event',
    summary: 'POST /eye/events, one event per request, 100 connections; each answer waits for its group-committed BullMQ job',
    target: '>= 3000 req/s, p99 < 100 ms',
    async run(context) {
      const session = `bench-single-${randomBytes(4).toString('hex')}`;
      const prefix = JSON.stringify({
        session_id: session,
        category: 'page interaction',
        name: 'pageview',
        data: { host: 'www.ca.com', path: '/' },
        timestamp: '2021-01-01 09:15:27.243860',
      }).slice(0, -1);
      let counter = 0;
      const result = await context.autocannon({
        url: `${context.baseUrl}/eye/events`,
        connections: 100,
        pipelining: 1,
        requests: [{ method: 'POST', headers: JSON_HEADERS, setupRequest: (request) => ({ ...request, body: `${prefix},"event_id":"${session}-${counter++}"}` }) }],
      });
      const http = httpScenarioResult(result, { expectStatus: (status) => status === 202 });
      const accepted = result.statusCodeStats?.['202']?.count ?? 0;
      const drain = await waitUntilStored(context, session, accepted, 60);
      context.log(`accepted ${accepted} events, ${drain.stored} stored ${drain.seconds} s after the load`);
      return {
        ...http,
        errors: http.errors + Math.max(0, accepted - drain.stored),
        extra: { ...http.extra, eventsAccepted: accepted, eventsStored: drain.stored, drainSeconds: drain.seconds, p90Ms: result.latency.p90 },
      };
    },
  },
];
