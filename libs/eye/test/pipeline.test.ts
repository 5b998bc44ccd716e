import { waitFor, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, metricValues, pageview, post, sessionId, startEye, waitForItems } from './helpers';

describe('backpressure', () => {
  let app: TestApp;
  beforeAll(async () => {
    // No workers: jobs pile up in the queue.
    app = await startEye({ EYE_MAX_QUEUE_DEPTH: '1', EYE_COMMIT_WINDOW_MS: '0' }, { workers: false });
  });
  afterAll(() => app.close());

  it('answers 503 + Retry-After over the queue bound, accepts nothing then, and loses nothing accepted', async () => {
    const session = sessionId('bp');
    expect((await post(app, '/eye/events', pageview(session, { event_id: 'bp1' }))).status).toBe(202);
    expect((await post(app, '/eye/events', pageview(session, { event_id: 'bp2' }))).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const refused = await post(app, '/eye/events', pageview(session, { event_id: 'bp3' }));
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('unavailable');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const refusedBatch = await post(app, '/eye/events/batch', { events: [pageview(session, { event_id: 'bp4' })] });
    expect(refusedBatch.status).toBe(503);

    await app.platform.startWorkers(app.modules);
    const items = await waitForItems(app, `/eye/sessions/${session}/events`, 2);
    expect(items.map((item) => item.event_id)).toEqual(['bp1', 'bp2']);
    // The refused event claimed nothing: once the queue drains, its retry is accepted.
    await waitFor(async () => (await post(app, '/eye/events', pageview(session, { event_id: 'bp3' }))).status === 202);
    await waitForItems(app, `/eye/sessions/${session}/events`, 3);
  });
});

describe('pipeline guarantees and metrics', () => {
  let app: TestApp;
  beforeAll(async () => {
    // A wide window so that grouping shows even on a loaded machine.
    app = await startEye({ EYE_COMMIT_WINDOW_MS: '200' });
  });
  afterAll(() => app.close());

  it('numbers events in arrival order: an answered request precedes a later one; a batch keeps item order', async () => {
    const session = sessionId('seq');
    for (let i = 0; i < 5; i++) expect((await post(app, '/eye/events', pageview(session, { event_id: `ps${i}` }))).status).toBe(202);
    const batch = Array.from({ length: 20 }, (_, i) => pageview(session, { event_id: `pb${i}` }));
    expect((await post(app, '/eye/events/batch', { events: batch })).body.accepted).toBe(20);
    const items = await waitForItems(app, `/eye/sessions/${session}/events?limit=100`, 25);
    expect(items.map((item) => item.event_id)).toEqual([...Array.from({ length: 5 }, (_, i) => `ps${i}`), ...Array.from({ length: 20 }, (_, i) => `pb${i}`)]);
  });

  it('groups concurrent requests into shared jobs and stores every accepted event once', async () => {
    const session = sessionId('group');
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => post(app, '/eye/events', pageview(session, { event_id: `pg${i}` }))));
    expect(answers.every((answer) => answer.status === 202)).toBe(true);
    const items = await waitForItems(app, `/eye/sessions/${session}/events?limit=500`, 100);
    expect(new Set(items.map((item) => item.id))).toEqual(new Set(answers.map((answer) => answer.body.id)));
    const queue = app.platform.deps.queues.queue('eye.persist');
    const completed = await queue.getJobCountByTypes('completed');
    // 100 concurrent requests with a 200 ms window share far fewer than 100 jobs.
    expect(completed).toBeLessThan(50);
  });

  it('counts every outcome, batch sizes and persist lag in the module metrics', async () => {
    const session = sessionId('metrics');
    const before = await metricValues(app);
    expect((await post(app, '/eye/events', pageview(session, { event_id: 'm-1' }))).status).toBe(202);
    expect((await post(app, '/eye/events', pageview(session, { event_id: 'm-1' }))).status).toBe(200);
    expect((await post(app, '/eye/events', { bad: true })).status).toBe(422);
    const batch = Array.from({ length: 5 }, (_, i) => pageview(session, { event_id: `m-b${i}` }));
    expect((await post(app, '/eye/events/batch', { events: batch })).body.accepted).toBe(5);
    await waitForItems(app, `/eye/sessions/${session}/events`, 6);

    const grown = await waitFor(async () => {
      const after = await metricValues(app);
      const diff = (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0);
      const persisted = diff('eye_persist_lag_seconds_count') >= 6 && diff('queue_jobs_total{queue="eye.persist",status="completed"}') >= 1;
      return persisted ? diff : undefined;
    });
    expect(grown('eye_events_ingested_total{application="web",outcome="accepted"}')).toBe(6);
    expect(grown('eye_events_ingested_total{application="web",outcome="duplicate"}')).toBe(1);
    expect(grown('eye_events_ingested_total{application="web",outcome="rejected"}')).toBe(1);
    expect(grown('eye_ingest_batch_size_count')).toBe(4);
    expect(grown('eye_ingest_batch_size_sum')).toBe(8);
    expect(grown('eye_ingest_batch_size_bucket{le="1"}')).toBe(3);
    expect(grown('eye_ingest_batch_size_bucket{le="5"}')).toBe(4);
    expect([...(await metricValues(app)).keys()]).toContain('queue_waiting_jobs{queue="eye.persist"}');
  });

  it('documents every route in the OpenAPI document', async () => {
    const { body } = await get(app, '/openapi.json');
    for (const path of ['/eye/events', '/eye/events/batch', '/eye/sessions/{session_id}/events', '/eye/stats', '/eye/errors', '/eye/errors/{id}', '/eye/errors/{id}/replay', '/eye/event-types', '/eye/event-types/{category}/{name}', '/eye/segment/v1/batch']) {
      expect(body.paths[path], path).toBeDefined();
    }
  });
});

describe('Redis unavailable', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startEye({}, { workers: false });
  });
  afterAll(() => app.close().catch(() => undefined));

  it('answers 503 + Retry-After when Redis cannot confirm the write', async () => {
    app.platform.redis.client.disconnect();
    const answer = await post(app, '/eye/events', pageview(sessionId()));
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('unavailable');
    expect(answer.headers.get('retry-after')).toBe('1');
  });
});
