import type { Result } from 'autocannon';
import { httpScenarioResult, latencyOf } from '../http-result';
import type { Scenario, ScenarioContext, ScenarioResult } from '../scenario';

const JSON_HEADERS = { 'content-type': 'application/json' };

function eventBody(i: number): Record<string, unknown> {
  return {
    title: `Bench event ${i}`,
    description: 'A fixture event for the EventPost load test, long enough.',
    date: '2027-06-15',
    time: `1${i % 10}:00:00`,
    timezone: 'Europe/Madrid',
    place: 'Granada',
    organizer: 'bench',
    topics: 'music, jazz',
  };
}

function notificationBody(i: number): Record<string, unknown> {
  return {
    subject: `Bench reminder number ${i}`,
    content: 'A far-future reminder for the load test: it is never sent during the run.',
    to_mail: `bench${i}@example.com`,
    scheduled_time: `2099-01-${String((i % 28) + 1).padStart(2, '0')}T08:00:00Z`,
  };
}

interface Collection {
  path: string;
  body(i: number): Record<string, unknown>;
}

const COLLECTIONS: Record<'events' | 'notifications', Collection> = {
  events: { path: '/eventpost/events', body: eventBody },
  notifications: { path: '/eventpost/notifications', body: notificationBody },
};

async function createFixtures(context: ScenarioContext, collection: Collection, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${context.baseUrl}${collection.path}`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(collection.body(i)) });
    if (response.status !== 201) throw new Error(`fixture POST ${collection.path} answered ${response.status}`);
    ids.push(((await response.json()) as { id: string }).id);
  }
  return ids;
}

/** Requests one autocannon run completed, for the GET:write split and the mean over both runs. */
function total(result: Result): number {
  return result.requests.total;
}

/**
 * The seed's Taurus mix: 7 keep-alive connections looping [GET list, GET each of 5 ids] and 3 looping
 * [POST, PUT, DELETE] of a record of their own, no think time, pipelining 1.
 */
async function seedMix(context: ScenarioContext, collection: Collection): Promise<ScenarioResult> {
  const ids = await createFixtures(context, collection, 5);
  const readers = context.autocannon({
    url: `${context.baseUrl}${collection.path}`,
    connections: 7,
    pipelining: 1,
    requests: [{ method: 'GET', path: `${collection.path}?limit=5` }, ...ids.map((id) => ({ method: 'GET' as const, path: `${collection.path}/${id}` }))],
  });
  let counter = 1000;
  const writers = context.autocannon({
    url: `${context.baseUrl}${collection.path}`,
    connections: 3,
    pipelining: 1,
    requests: [
      {
        method: 'POST',
        path: collection.path,
        headers: JSON_HEADERS,
        setupRequest: (request) => ({ ...request, body: JSON.stringify(collection.body(counter++)) }),
        onResponse: (status, body, ctx) => {
          if (status === 201) (ctx as { id?: string }).id = (JSON.parse(body) as { id: string }).id;
        },
      },
      {
        method: 'PUT',
        headers: JSON_HEADERS,
        setupRequest: (request, ctx) => ({
          ...request,
          path: `${collection.path}/${(ctx as { id?: string }).id}`,
          body: JSON.stringify(collection.body(counter++)),
        }),
      },
      {
        method: 'DELETE',
        setupRequest: (request, ctx) => ({ ...request, path: `${collection.path}/${(ctx as { id?: string }).id}` }),
      },
    ],
  });
  const [read, write] = await Promise.all([readers, writers]);
  const readResult = httpScenarioResult(read);
  const writeResult = httpScenarioResult(write);
  const requests = total(read) + total(write);
  const meanMs = (read.latency.mean * total(read) + write.latency.mean * total(write)) / Math.max(1, requests);
  return {
    figure: Math.round(read.requests.average + write.requests.average),
    unit: 'req/s',
    latency: { meanMs: Math.round(meanMs * 100) / 100, p50Ms: read.latency.p50, p99Ms: Math.max(read.latency.p99, write.latency.p99) },
    errors: readResult.errors + writeResult.errors,
    extra: {
      readReqPerSec: readResult.figure,
      readMeanMs: read.latency.mean,
      readP90Ms: read.latency.p90,
      writeReqPerSec: writeResult.figure,
      writeMeanMs: write.latency.mean,
      writeP90Ms: write.latency.p90,
      getToWriteSplit: `${Math.round((100 * total(read)) / Math.max(1, requests))}:${Math.round((100 * total(write)) / Math.max(1, requests))}`,
      non2xx: readResult.errors + writeResult.errors,
    },
  };
}

export const scenarios: Scenario[] = [
  {
    module: 'eventpost',
    name: 'seed-parity',
    summary: "The seed's Taurus mix on /eventpost/events: 7 connections [list, 5× get] + 3 connections [POST, PUT, DELETE]",
    target: '>= 20320 req/s',
    run: (context) => seedMix(context, COLLECTIONS.events),
  },
  {
    module: 'eventpost',
    name: 'seed-parity-notifications',
    summary: 'The same mix on /eventpost/notifications with far-future times (no mail is sent)',
    run: (context) => seedMix(context, COLLECTIONS.notifications),
  },
  {
    module: 'eventpost',
    name: 'cached-get-by-id',
    summary: 'GET /eventpost/events/:id served from the Redis cache, 10 connections; figure = mean latency',
    target: '< 1 ms',
    async run(context) {
      const [id] = await createFixtures(context, COLLECTIONS.events, 1);
      const result = await context.autocannon({ url: `${context.baseUrl}/eventpost/events/${id}`, connections: 10, pipelining: 1 });
      const http = httpScenarioResult(result);
      return { figure: result.latency.mean, unit: 'ms', latency: latencyOf(result), errors: http.errors, extra: { reqPerSec: http.figure, p90Ms: result.latency.p90 } };
    },
  },
];
