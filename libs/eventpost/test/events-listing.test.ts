import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventpostModule } from '../src';
import { createEvent, errorOf } from './fixtures';

function nextLink(response: Response): string | undefined {
  const header = response.headers.get('link');
  return header ? /^<([^>]+)>; rel="next"$/.exec(header)?.[1] : undefined;
}

describe('events listing', () => {
  let app: TestApp;
  const organizer = `org-${randomBytes(4).toString('hex')}`;
  const ids: string[] = [];
  beforeAll(async () => {
    app = await startTestApp({ modules: [createEventpostModule] });
    const specs = [
      { date: '2026-01-10', time: '10:00:00', topics: 'music, jazz', place: 'Granada', title: 'Jazz at 50%' },
      { date: '2026-01-10', time: '10:00:00', topics: 'music', place: 'Madrid', title: 'Same start' },
      { date: '2026-02-01', time: '00:30:00', timezone: 'Europe/Madrid', topics: 'sport', place: 'Granada', title: 'Early run' },
      { date: '2026-03-05', time: '23:00:00', topics: 'Food_Market', place: 'Sevilla', title: 'Tapas' },
      { date: '2027-07-07', time: '07:07:07', topics: '', place: '', title: 'Far future', description: 'A description mentioning Flamenco dancing.' },
    ];
    for (const spec of specs) ids.push((await createEvent(app, { organizer, timezone: 'UTC', ...spec })).id);
  });
  afterAll(() => app.close());

  const list = (query: string) => app.request(`/eventpost/events?organizer=${organizer}&${query}`);
  const titles = async (response: Response) => ((await response.json()) as { title: string }[]).map((e) => e.title);

  it('orders by starts_at then id and returns a bare array with a weak ETag', async () => {
    const response = await list('');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('etag')).toMatch(/^W\/"/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('link')).toBeNull();
    const body = (await response.json()) as { id: string; starts_at: string }[];
    expect(body).toHaveLength(5);
    const sorted = [...body].sort((a, b) => (a.starts_at === b.starts_at ? (a.id < b.id ? -1 : 1) : a.starts_at < b.starts_at ? -1 : 1));
    expect(body.map((e) => e.id)).toEqual(sorted.map((e) => e.id));
  });

  it('filters by substring case-insensitively, with % and _ literal', async () => {
    expect(await titles(await list('topic=MUSIC'))).toHaveLength(2);
    expect(await titles(await list('place=granada'))).toHaveLength(2);
    expect(await titles(await list('q=50%25'))).toEqual(['Jazz at 50%']);
    expect(await titles(await list('q=5_%25'))).toEqual([]);
    expect(await titles(await list('topic=food_'))).toEqual(['Tapas']);
    expect(await titles(await list('topic=food%25'))).toEqual([]);
    expect(await titles(await list('q=flamenco'))).toEqual(['Far future']);
    expect(await titles(await list('topic=&place=&unknown=1'))).toHaveLength(5);
  });

  it('bounds starts_at with from (inclusive) and to (exclusive instant, whole UTC day for a date)', async () => {
    // 2026-02-01 00:30 Madrid is 2026-01-31T23:30Z.
    expect(await titles(await list('from=2026-01-11&to=2026-01-31'))).toEqual(['Early run']);
    expect(await titles(await list('from=2026-02-01'))).toEqual(['Tapas', 'Far future']);
    expect(await titles(await list('from=2026-01-10T10:00:00Z&to=2026-01-10T10:00:00Z'))).toEqual([]);
    expect(await titles(await list('from=2026-03-05T23:00:00Z&to=2026-03-05'))).toEqual(['Tapas']);
    expect(await titles(await list('to=2026-03-05T23:00:00%2B00:00'))).toHaveLength(3);
  });

  it.each([
    ['from=2026-13-01', 'from'],
    ['to=yesterday', 'to'],
    ['from=2026-02-01&to=2026-01-01', 'from'],
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1.5', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    ['cursor=MTIzNDU2', 'cursor'],
    ['q=a&q=b', 'q'],
  ])('answers 400 naming the parameter for %s', async (query, parameter) => {
    const response = await list(query);
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe('bad_request');
    expect(error.details).toEqual([expect.objectContaining({ path: parameter })]);
  });

  it('walks every record exactly once through Link pages that keep the filters', async () => {
    const seen: string[] = [];
    let next: string | undefined = `/eventpost/events?organizer=${organizer}&limit=2`;
    let pages = 0;
    while (next) {
      const response = await app.request(next);
      expect(response.status).toBe(200);
      seen.push(...((await response.json()) as { id: string }[]).map((e) => e.id));
      next = nextLink(response);
      if (next) {
        expect(next).toContain(`organizer=${organizer}`);
        expect(next).toContain('limit=2');
      }
      pages++;
    }
    expect(pages).toBe(3);
    expect([...seen].sort()).toEqual([...ids].sort());
    expect(new Set(seen).size).toBe(5);
  });

  it('answers 304 to a list If-None-Match and a new ETag after a write', async () => {
    const first = await list('');
    const etag = first.headers.get('etag')!;
    const again = await app.request(`/eventpost/events?organizer=${organizer}&`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    const extra = await createEvent(app, { organizer, date: '2030-01-01' });
    const changed = await list('');
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect((await changed.json()).map((e: { id: string }) => e.id)).toContain(extra.id);
    await app.request(`/eventpost/events/${extra.id}`, { method: 'DELETE' });
  });
});
