import type { TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, KEYS, pageview, post, sessionId, startEye, waitForItems } from './helpers';

describe('deduplication', () => {
  let app: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    app = await startEye();
    // A second gateway process on the same Redis: claims must hold across processes.
    second = await startEye({}, { redisPrefix: app.redisPrefix });
  });
  afterAll(async () => {
    await second.close();
    await app.close();
  });

  it('stores one of 50 concurrent copies: one accepted, 49 duplicates (by event_id, across two processes)', async () => {
    const session = sessionId('dup');
    const copies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => post(i % 2 ? second : app, '/eye/events', pageview(session, { event_id: 'same', data: { host: 'h', path: `/${i}` } }))),
    );
    expect(copies.filter((copy) => copy.status === 202)).toHaveLength(1);
    expect(copies.filter((copy) => copy.status === 200 && copy.body.status === 'duplicate')).toHaveLength(49);
    const items = await waitForItems(app, `/eye/sessions/${session}/events`, 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await get(app, `/eye/sessions/${session}/events`)).body.items).toHaveLength(1);
    expect(items[0].id).toBe(copies.find((copy) => copy.status === 202)!.body.id);
  });

  it('deduplicates by fingerprint when no event_id is given, and 50 concurrent batches agree', async () => {
    const session = sessionId('fp');
    const event = pageview(session);
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(app, '/eye/events/batch', { events: [event, { ...event, event_id: null }] })));
    expect(answers.reduce((sum, answer) => sum + answer.body.accepted, 0)).toBe(1);
    expect(answers.reduce((sum, answer) => sum + answer.body.duplicates, 0)).toBe(99);
    // Lowest index wins inside a batch.
    const winner = answers.find((answer) => answer.body.accepted === 1)!;
    expect(winner.body).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
    await waitForItems(app, `/eye/sessions/${session}/events`, 1);
    // Data differs → another fingerprint → another event.
    expect((await post(app, '/eye/events', pageview(session, { data: { host: 'h', path: '/other' } }))).status).toBe(202);
    await waitForItems(app, `/eye/sessions/${session}/events`, 2);
  });

  it('treats a known event_id with other content as a duplicate, and another application as its own', async () => {
    const session = sessionId('app');
    expect((await post(app, '/eye/events', pageview(session, { event_id: 'x1' }))).status).toBe(202);
    expect((await post(app, '/eye/events', pageview(session, { event_id: 'x1', data: { host: 'other', path: '/' } }))).body).toEqual({ status: 'duplicate' });
    expect((await post(app, '/eye/events', pageview(session, { event_id: 'x1' }), KEYS.mobile)).status).toBe(202);
  });

  it('claims nothing for a rejected event', async () => {
    const session = sessionId('rej');
    expect((await post(app, '/eye/events', pageview(session, { event_id: 'r1', timestamp: '2999-01-01 00:00:00' }))).status).toBe(422);
    expect((await post(app, '/eye/events', pageview(session, { event_id: 'r1' }))).status).toBe(202);
  });
});
