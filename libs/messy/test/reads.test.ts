import type { TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, startMessy, waitPersisted } from './helpers';

type Page = { items: { id: string; username: string; city: string; state: string }[]; next_cursor: string | null };

describe('messy read endpoints', () => {
  let app: TestApp;
  let ids: string[];
  const list = async (query: string) => app.request(`/messy/messages?${query}`);

  beforeAll(async () => {
    app = await startMessy();
    const messages = [
      message({ username: 'ann', city: 'Springfield', state: 'IL' }),
      message({ username: 'bob', city: ' springfield ', state: 'il' }),
      message({ username: 'ann', city: 'Springfield', state: 'MA' }),
      message({ username: 'Ann', city: 'Boston', state: 'MA' }),
      message({ username: 'ann', city: 'SPRINGFIELD', state: 'IL' }),
    ];
    ids = [];
    for (const m of messages) {
      const response = await app.request('/messy/messages', { method: 'POST', json: m });
      ids.push(((await response.json()) as { id: string }).id);
    }
    for (const id of ids) await waitPersisted(app, id);
  });
  afterAll(() => app.close());

  it('GET /messy/messages/{id} is 404 for an unknown id or a non-UUID', async () => {
    expect((await app.request('/messy/messages/0190d7a4-0000-7000-8000-000000000000')).status).toBe(404);
    const notUuid = await app.request('/messy/messages/nope');
    expect(notUuid.status).toBe(404);
    expect(((await notUuid.json()) as { error: { code: string } }).error.code).toBe('not_found');
    for (const malformed of ['%', '%ZZ', '%C0%AF']) {
      const response = await app.request(`/messy/messages/${malformed}`);
      expect(response.status, malformed).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code, malformed).toBe('not_found');
    }
  });

  it('lists newest first and pages with a cursor', async () => {
    const first = (await (await list('limit=2')).json()) as Page;
    expect(first.items.map((i) => i.id)).toEqual([ids[4], ids[3]]);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = (await (await list(`limit=2&cursor=${first.next_cursor}`)).json()) as Page;
    expect(second.items.map((i) => i.id)).toEqual([ids[2], ids[1]]);
    const third = (await (await list(`limit=2&cursor=${second.next_cursor}`)).json()) as Page;
    expect(third.items.map((i) => i.id)).toEqual([ids[0]]);
    expect(third.next_cursor).toBeNull();
  });

  it('filters by state (any case), city key and exact username', async () => {
    const il = (await (await list('state=il&city=SpringField')).json()) as Page;
    expect(il.items.map((i) => i.id)).toEqual([ids[4], ids[1], ids[0]]);
    const ann = (await (await list('username=ann')).json()) as Page;
    expect(ann.items.map((i) => i.id)).toEqual([ids[4], ids[2], ids[0]]);
    const annMa = (await (await list('username=ann&state=MA')).json()) as Page;
    expect(annMa.items.map((i) => i.id)).toEqual([ids[2]]);
  });

  it('answers 422 for a bad state, limit or cursor, and for a cursor used with other filters', async () => {
    for (const query of ['state=XX', 'limit=0', 'limit=501', 'limit=abc', 'limit=1.5', 'cursor=forged', 'state=NY&state=NJ']) {
      const response = await list(query);
      expect(response.status, query).toBe(422);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
    }
    const { next_cursor } = (await (await list('limit=1&state=IL')).json()) as Page;
    expect((await list(`limit=1&state=IL&cursor=${next_cursor}`)).status).toBe(200);
    expect((await list(`limit=1&state=MA&cursor=${next_cursor}`)).status).toBe(422);
  });
});
