import type { TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDrawer, createSnack, errorOf, signUpAndLogin, startSnackdrawer, uniqueName, type Session } from './helpers';

let app: TestApp;
let owner: Session;
let snoop: Session;
beforeAll(async () => {
  app = await startSnackdrawer();
  [owner, snoop] = await Promise.all([signUpAndLogin(app), signUpAndLogin(app)]);
});
afterAll(() => app.close());

const drawerOf = async (response: Response) => ((await response.json()) as { drawer: { id: number; name: string; contents: { id: number; name: string; quantity: number }[] } }).drawer;

describe('drawers', () => {
  it('creates, lists, reads, renames and deletes a drawer', async () => {
    const create = await app.request('/snackdrawer/drawers/', { json: { name: 'Top drawer' }, headers: owner.headers });
    expect(create.status).toBe(201);
    const created = await drawerOf(create);
    expect(created).toEqual({ id: expect.any(Number), name: 'Top drawer', contents: [] });
    const list = await app.request('/snackdrawer/drawers', { headers: owner.headers });
    expect(((await list.json()) as { drawers: unknown[] }).drawers).toContainEqual({ id: created.id, name: 'Top drawer' });
    const rename = await app.request(`/snackdrawer/drawers/${created.id}`, { method: 'PATCH', json: { name: 'Bottom drawer' }, headers: owner.headers });
    expect(rename.status).toBe(200);
    expect(await drawerOf(rename)).toEqual({ id: created.id, name: 'Bottom drawer', contents: [] });
    const remove = await app.request(`/snackdrawer/drawers/${created.id}/`, { method: 'DELETE', headers: owner.headers });
    expect(remove.status).toBe(204);
    expect((await app.request(`/snackdrawer/drawers/${created.id}`, { headers: owner.headers })).status).toBe(404);
  });

  it('refuses a second drawer of the same name for one user (409) but lets another user reuse it', async () => {
    const name = `shared ${Date.now()}`;
    await createDrawer(app, owner, name);
    const again = await app.request('/snackdrawer/drawers', { json: { name }, headers: owner.headers });
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe('conflict');
    await createDrawer(app, snoop, name);
    const other = await createDrawer(app, owner);
    const clash = await app.request(`/snackdrawer/drawers/${other}`, { method: 'PATCH', json: { name }, headers: owner.headers });
    expect(clash.status).toBe(409);
    expect((await errorOf(clash)).code).toBe('conflict');
  });

  it('validates names: empty, whitespace only, control characters, too long, wrong type → 422', async () => {
    const badNames = ['', '   ', 'a\u0007b', 'x'.repeat(65), 5, null];
    for (const name of badNames) {
      const response = await app.request('/snackdrawer/drawers', { json: { name }, headers: owner.headers });
      expect(response.status, JSON.stringify(name)).toBe(422);
      expect(await errorOf(response)).toMatchObject({ code: 'validation_failed', details: [{ path: 'name' }] });
    }
    const renamed = await createDrawer(app, owner);
    for (const name of badNames) {
      const response = await app.request(`/snackdrawer/drawers/${renamed}`, { method: 'PATCH', json: { name }, headers: owner.headers });
      expect(response.status, `PATCH ${JSON.stringify(name)}`).toBe(422);
      expect(await errorOf(response)).toMatchObject({ code: 'validation_failed', details: [{ path: 'name' }] });
    }
    const exact = await app.request('/snackdrawer/drawers', { json: { name: ` ${'🍪'.repeat(62)} ` }, headers: owner.headers });
    expect(exact.status).toBe(201);
    expect((await drawerOf(exact)).name).toBe(` ${'🍪'.repeat(62)} `);
  });

  it('pages with an opaque cursor and a Link header until the last page', async () => {
    const session = await signUpAndLogin(app);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(await createDrawer(app, session, `d${i}`));
    const seen: number[] = [];
    let next: string | null = '/snackdrawer/drawers?limit=2';
    let pages = 0;
    while (next) {
      const response: Response = await app.request(next, { headers: session.headers });
      expect(response.status).toBe(200);
      seen.push(...((await response.json()) as { drawers: { id: number }[] }).drawers.map((d) => d.id));
      const link = response.headers.get('link');
      next = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1]! : null;
      pages++;
    }
    expect(seen).toEqual(ids);
    expect(pages).toBe(3);
    for (const query of ['limit=0', 'limit=501', 'limit=abc', 'cursor=bogus', 'limit=1&limit=2', 'unknown=1']) {
      expect((await app.request(`/snackdrawer/drawers?${query}`, { headers: session.headers })).status, query).toBe(422);
    }
  });

  it('answers 404 for path ids that are not 1..2^53-1 in plain decimal', async () => {
    for (const id of ['0', '-1', 'abc', '1.5', '1e3', '12345678901234567890', '9007199254740992', '%ZZ', '%00']) {
      const response = await app.request(`/snackdrawer/drawers/${id}`, { headers: owner.headers });
      expect(response.status, id).toBe(404);
      expect((await errorOf(response)).code).toBe('not_found');
    }
  });

  it('answers 401 before anything else on drawer routes', async () => {
    expect((await app.request('/snackdrawer/drawers')).status).toBe(401);
    expect((await app.request('/snackdrawer/drawers/abc', { method: 'POST', body: 'x' })).status).toBe(401);
  });
});

describe('drawer contents', () => {
  it('adds snacks (201 new, 200 when the quantity grows) through both the seed alias and /snacks', async () => {
    const drawer = await createDrawer(app, owner);
    const [a, b] = [await createSnack(app, owner), await createSnack(app, owner)];
    const first = await app.request(`/snackdrawer/drawers/${drawer}`, { json: { snack: b }, headers: { 'x-access-token': owner.token } });
    expect(first.status).toBe(201);
    const body = (await first.json()) as { message: string };
    expect(body.message).toBe('snack added to drawer');
    const grow = await app.request(`/snackdrawer/drawers/${drawer}/snacks`, { json: { snack: b, quantity: 4 }, headers: owner.headers });
    expect(grow.status).toBe(200);
    await app.request(`/snackdrawer/drawers/${drawer}/snacks`, { json: { snack: a }, headers: owner.headers });
    const read = await app.request(`/snackdrawer/drawers/${drawer}`, { headers: owner.headers });
    expect((await drawerOf(read)).contents.map((c) => [c.id, c.quantity])).toEqual([
      [a, 1],
      [b, 5],
    ]);
  });

  it('ten concurrent adds give one 201, nine 200 and quantity 10', async () => {
    const drawer = await createDrawer(app, owner);
    const snack = await createSnack(app, owner);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => app.request(`/snackdrawer/drawers/${drawer}/snacks`, { json: { snack }, headers: owner.headers })),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const read = await drawerOf(await app.request(`/snackdrawer/drawers/${drawer}`, { headers: owner.headers }));
    expect(read.contents[0]!.quantity).toBe(10);
  });

  it('answers 422 for an unknown snack or a total above 1000, and checks quantities', async () => {
    const drawer = await createDrawer(app, owner);
    const snack = await createSnack(app, owner);
    const unknown = await app.request(`/snackdrawer/drawers/${drawer}/snacks`, { json: { snack: 9_007_199_254_740_991 }, headers: owner.headers });
    expect(unknown.status).toBe(422);
    expect(await errorOf(unknown)).toMatchObject({ code: 'validation_failed', details: [{ path: 'snack' }] });
    expect((await app.request(`/snackdrawer/drawers/${drawer}/snacks`, { json: { snack, quantity: 1000 }, headers: owner.headers })).status).toBe(201);
    const over = await app.request(`/snackdrawer/drawers/${drawer}/snacks`, { json: { snack }, headers: owner.headers });
    expect(over.status).toBe(422);
    expect(await errorOf(over)).toMatchObject({ code: 'validation_failed', details: [{ path: 'quantity' }] });
    for (const body of [{ snack: 0 }, { snack, quantity: 0 }, { snack, quantity: 1001 }, { snack: '1' }, { snack: 1.5 }, {}]) {
      const response = await app.request(`/snackdrawer/drawers/${drawer}/snacks`, { json: body, headers: owner.headers });
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect((await errorOf(response)).code, JSON.stringify(body)).toBe('validation_failed');
    }
  });

  it('sets and removes a snack; 404 when the snack is not in the drawer', async () => {
    const drawer = await createDrawer(app, owner);
    const snack = await createSnack(app, owner);
    const absent = await app.request(`/snackdrawer/drawers/${drawer}/snacks/${snack}`, { method: 'PATCH', json: { quantity: 3 }, headers: owner.headers });
    expect(absent.status).toBe(404);
    await app.request(`/snackdrawer/drawers/${drawer}/snacks`, { json: { snack }, headers: owner.headers });
    const set = await app.request(`/snackdrawer/drawers/${drawer}/snacks/${snack}`, { method: 'PATCH', json: { quantity: 7 }, headers: owner.headers });
    expect(set.status).toBe(200);
    expect((await drawerOf(set)).contents).toEqual([{ id: snack, name: expect.any(String), quantity: 7 }]);
    const tooMany = await app.request(`/snackdrawer/drawers/${drawer}/snacks/${snack}`, { method: 'PATCH', json: { quantity: 1001 }, headers: owner.headers });
    expect(tooMany.status).toBe(422);
    expect(await errorOf(tooMany)).toMatchObject({ code: 'validation_failed', details: [{ path: 'quantity' }] });
    expect((await app.request(`/snackdrawer/drawers/${drawer}/snacks/${snack}`, { method: 'DELETE', headers: owner.headers })).status).toBe(204);
    expect((await app.request(`/snackdrawer/drawers/${drawer}/snacks/${snack}`, { method: 'DELETE', headers: owner.headers })).status).toBe(404);
  });
});

describe("someone else's drawer (BOLA)", () => {
  it('is answered exactly like an absent drawer on every verb and sub-route, and the victim is unchanged', async () => {
    const victimDrawer = await createDrawer(app, owner, 'precious');
    const snack = await createSnack(app, owner);
    await app.request(`/snackdrawer/drawers/${victimDrawer}/snacks`, { json: { snack, quantity: 2 }, headers: owner.headers });
    const absent = 9_007_199_254_740_000;
    const attempts = (id: number): [string, string, unknown][] => [
      ['GET', `/drawers/${id}`, undefined],
      ['PATCH', `/drawers/${id}`, { name: 'mine now' }],
      ['DELETE', `/drawers/${id}`, undefined],
      ['POST', `/drawers/${id}`, { snack }],
      ['POST', `/drawers/${id}/snacks`, { snack }],
      ['PATCH', `/drawers/${id}/snacks/${snack}`, { quantity: 1 }],
      ['DELETE', `/drawers/${id}/snacks/${snack}`, undefined],
    ];
    const foreignAnswers: unknown[] = [];
    const absentAnswers: unknown[] = [];
    for (const [method, path, json] of attempts(victimDrawer)) {
      const response = await app.request(`/snackdrawer${path}`, { method, json, headers: snoop.headers });
      expect(response.status, `${method} ${path}`).toBe(404);
      foreignAnswers.push(await response.json());
    }
    for (const [method, path, json] of attempts(absent)) {
      const response = await app.request(`/snackdrawer${path}`, { method, json, headers: snoop.headers });
      expect(response.status, `${method} ${path}`).toBe(404);
      absentAnswers.push(await response.json());
    }
    expect(foreignAnswers).toEqual(absentAnswers);
    for (const answer of foreignAnswers) expect(answer).toMatchObject({ error: { code: 'not_found', message: 'Drawer not found' } });
    expect(JSON.stringify(foreignAnswers)).not.toContain(String(victimDrawer));
    const victim = await drawerOf(await app.request(`/snackdrawer/drawers/${victimDrawer}`, { headers: owner.headers }));
    expect(victim).toEqual({ id: victimDrawer, name: 'precious', contents: [{ id: snack, name: expect.any(String), quantity: 2 }] });
    const list = (await (await app.request('/snackdrawer/drawers?limit=500', { headers: snoop.headers })).json()) as { drawers: { id: number }[] };
    expect(list.drawers.map((d) => d.id)).not.toContain(victimDrawer);
  });
});

describe('idempotency', () => {
  it('replays the first answer for a retried key, and refuses the key with another body', async () => {
    const headers = { ...owner.headers, 'idempotency-key': `key-${Date.now()}` };
    const first = await app.request('/snackdrawer/drawers', { json: { name: `idem ${Date.now()}` }, headers });
    expect(first.status).toBe(201);
    const firstBody = await first.json();
    const name = (firstBody as { drawer: { name: string } }).drawer.name;
    const retry = await app.request('/snackdrawer/drawers', { json: { name }, headers });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.json()).toEqual(firstBody);
    const reused = await app.request('/snackdrawer/drawers', { json: { name: 'another' }, headers });
    expect(reused.status).toBe(422);
    expect((await errorOf(reused)).code).toBe('idempotency_key_reused');
    const otherUser = await app.request('/snackdrawer/drawers', { json: { name }, headers: { ...snoop.headers, 'idempotency-key': headers['idempotency-key'] } });
    expect(otherUser.status).toBe(201);
    expect(otherUser.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('idempotency on every POST but login', () => {
  const key = () => `key-${uniqueName()}`;
  const replayed = (response: Response) => response.headers.get('idempotent-replayed');

  it('replays a sign-up under the anonymous scope and never stores the password', async () => {
    const headers = { 'idempotency-key': key() };
    const body = { username: uniqueName('idem'), password: 'a password to keep out of redis' };
    const first = await app.request('/snackdrawer/auth/users', { json: body, headers });
    expect(first.status).toBe(201);
    const retry = await app.request('/snackdrawer/auth/users', { json: body, headers });
    expect(retry.status).toBe(201);
    expect(replayed(retry)).toBe('true');
    expect(await retry.json()).toEqual(await first.json());
    const reused = await app.request('/snackdrawer/auth/users', { json: { ...body, password: 'another password' }, headers });
    expect(reused.status).toBe(422);
    expect((await errorOf(reused)).code).toBe('idempotency_key_reused');

    const redis = app.platform.deps.redis;
    const keys = await redis.keys(`${app.redisPrefix}:snackdrawer:idempotency:*`);
    expect(keys.length).toBeGreaterThan(0);
    const values = await Promise.all(keys.map((k) => redis.get(k)));
    for (const value of values) expect(value).not.toContain(body.password);
  });

  it('replays POST /snacks instead of answering 409 for the retried name', async () => {
    const headers = { ...owner.headers, 'idempotency-key': key() };
    const name = uniqueName('idem-snack');
    const first = await app.request('/snackdrawer/snacks', { json: { name }, headers });
    expect(first.status).toBe(201);
    const retry = await app.request('/snackdrawer/snacks', { json: { name }, headers });
    expect(retry.status).toBe(201);
    expect(replayed(retry)).toBe('true');
    expect(await retry.json()).toEqual(await first.json());
  });

  it('adds a snack once per key, while the same key on another route (the seed alias) is a new request', async () => {
    const drawer = await createDrawer(app, owner);
    const snack = await createSnack(app, owner);
    const headers = { ...owner.headers, 'idempotency-key': key() };
    const first = await app.request(`/snackdrawer/drawers/${drawer}/snacks`, { json: { snack }, headers });
    expect(first.status).toBe(201);
    const retry = await app.request(`/snackdrawer/drawers/${drawer}/snacks`, { json: { snack }, headers });
    expect(retry.status).toBe(201);
    expect(replayed(retry)).toBe('true');
    expect((await drawerOf(retry)).contents).toEqual([{ id: snack, name: expect.any(String), quantity: 1 }]);

    const alias = await app.request(`/snackdrawer/drawers/${drawer}`, { json: { snack }, headers });
    expect(alias.status).toBe(200);
    expect(replayed(alias)).toBeNull();
    const aliasRetry = await app.request(`/snackdrawer/drawers/${drawer}`, { json: { snack }, headers });
    expect(aliasRetry.status).toBe(200);
    expect(replayed(aliasRetry)).toBe('true');
    const read = await drawerOf(await app.request(`/snackdrawer/drawers/${drawer}`, { headers: owner.headers }));
    expect(read.contents).toEqual([{ id: snack, name: expect.any(String), quantity: 2 }]);

    const otherRoute = await app.request('/snackdrawer/drawers', { json: { name: uniqueName('drawer') }, headers });
    expect(otherRoute.status).toBe(201);
    expect(replayed(otherRoute)).toBeNull();
  });
});

describe('routing', () => {
  it('answers 405 with Allow for a known path, 404 for an unknown one', async () => {
    const put = await app.request('/snackdrawer/drawers', { method: 'PUT', headers: owner.headers });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    const unknown = await app.request('/snackdrawer/cupboards', { headers: owner.headers });
    expect(unknown.status).toBe(404);
  });

  it('documents every route in the OpenAPI document', async () => {
    const { paths } = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(paths['/snackdrawer/drawers/{id}']!).sort()).toEqual(['delete', 'get', 'patch', 'post']);
    expect(Object.keys(paths['/snackdrawer/drawers/{id}/snacks/{snackId}']!).sort()).toEqual(['delete', 'patch']);
    expect(Object.keys(paths['/snackdrawer/admin/faults']!).sort()).toEqual(['delete', 'get', 'put']);
    expect(paths['/snackdrawer/auth/login']).toHaveProperty('post');
  });
});
