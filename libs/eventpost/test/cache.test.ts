import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventpostModule } from '../src';
import { createEvent, createNotification, eventBody, notificationBody } from './fixtures';

async function metric(app: TestApp, line: string): Promise<number> {
  const text = await (await app.request('/metrics')).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.split(' ')[1]) : 0;
}

describe('Redis response cache shared by two gateway processes', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ modules: [createEventpostModule] });
    b = await startTestApp({ modules: [createEventpostModule], redisPrefix: a.redisPrefix });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('serves a cached GET as a hit with its original status and headers', async () => {
    const created = await createEvent(a);
    const hitsBefore = await metric(b, 'eventpost_cache_requests_total{resource="event",result="hit"}');
    const first = await b.request(`/eventpost/events/${created.id}`);
    const second = await b.request(`/eventpost/events/${created.id}`);
    expect(second.status).toBe(200);
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(second.headers.get('content-type')).toBe('application/json');
    expect(second.headers.get('cache-control')).toBe('no-cache');
    expect(await second.json()).toEqual(await first.json());
    expect(await metric(b, 'eventpost_cache_requests_total{resource="event",result="hit"}')).toBe(hitsBefore + 1);
    // The other process reads the same entry.
    const hitsOnA = await metric(a, 'eventpost_cache_requests_total{resource="event",result="hit"}');
    await a.request(`/eventpost/events/${created.id}`);
    expect(await metric(a, 'eventpost_cache_requests_total{resource="event",result="hit"}')).toBe(hitsOnA + 1);
  });

  it('never serves a stale item or list after a write on the other process', async () => {
    const organizer = `cache-${randomBytes(4).toString('hex')}`;
    const created = await createEvent(a, { organizer });
    const item = `/eventpost/events/${created.id}`;
    const list = `/eventpost/events?organizer=${organizer}`;
    for (let version = 2; version <= 8; version++) {
      await b.request(item);
      await b.request(list);
      const write = await a.request(item, { method: 'PUT', json: eventBody({ organizer, title: `Version ${version}` }) });
      expect(write.status).toBe(200);
      const read = await b.request(item);
      expect(read.headers.get('etag')).toBe(write.headers.get('etag'));
      expect((await read.json()).title).toBe(`Version ${version}`);
      expect((await (await b.request(list)).json())[0].title).toBe(`Version ${version}`);
    }
    await b.request(item);
    expect((await a.request(item, { method: 'DELETE' })).status).toBe(200);
    expect((await b.request(item)).status).toBe(404);
    expect(await (await b.request(list)).json()).toEqual([]);
  });

  it('stays fresh while readers keep filling the cache concurrently with writers', async () => {
    const created = await createEvent(a);
    const item = `/eventpost/events/${created.id}`;
    let writing = true;
    const readers = Array.from({ length: 4 }, async () => {
      while (writing) await (await (Math.random() < 0.5 ? a : b).request(item)).arrayBuffer();
    });
    try {
      for (let i = 0; i < 12; i++) {
        const writer = i % 2 ? a : b;
        const write = await writer.request(item, { method: 'PATCH', json: { title: `Round ${i}` } });
        const version = (await write.json()).version;
        for (const reader of [a, b]) {
          const seen = await (await reader.request(item)).json();
          expect(seen.version).toBeGreaterThanOrEqual(version);
        }
      }
    } finally {
      writing = false;
      await Promise.all(readers);
    }
  });

  it('reflects worker-free notification writes and event-delete cascades in cached notifications', async () => {
    const event = await createEvent(a);
    const notification = await createNotification(a, { event_id: event.id });
    const path = `/eventpost/notifications/${notification.id}`;
    const cached = await b.request(path);
    expect(cached.headers.get('cache-control')).toBe('private, no-cache');
    expect((await cached.json()).event_id).toBe(event.id);
    await b.request(path);
    await a.request(`/eventpost/events/${event.id}`, { method: 'DELETE' });
    const after = await (await b.request(path)).json();
    expect(after).toMatchObject({ event_id: null, status: 'cancelled', version: 2 });
  });

  it('does not cache write responses or errors', async () => {
    const missing = `/eventpost/events/${randomBytes(12).toString('hex')}`;
    const missesBefore = await metric(a, 'eventpost_cache_requests_total{resource="event",result="miss"}');
    expect((await a.request(missing)).status).toBe(404);
    expect((await a.request(missing)).status).toBe(404);
    expect(await metric(a, 'eventpost_cache_requests_total{resource="event",result="miss"}')).toBe(missesBefore + 2);
  });

  it('falls back to Postgres while Redis is unreachable and bumps the epoch once it is back', async () => {
    const created = await createEvent(a);
    const item = `/eventpost/events/${created.id}`;
    await b.request(item);
    await b.request(item);
    const client = a.platform.redis.client;
    client.disconnect();
    try {
      const write = await a.request(item, { method: 'PATCH', json: { title: 'Written during the outage' } });
      expect(write.status).toBe(200);
      const read = await a.request(item);
      expect(read.status).toBe(200);
      expect((await read.json()).title).toBe('Written during the outage');
      const scheduled = await a.request('/eventpost/notifications', { method: 'POST', json: notificationBody() });
      expect(scheduled.status).toBe(201);
    } finally {
      await client.connect();
    }
    await a.request(item); // the first cache use after the outage bumps the epoch
    expect((await (await b.request(item)).json()).title).toBe('Written during the outage');
  });
});
