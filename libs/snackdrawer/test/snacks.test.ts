import type { TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, signUpAndLogin, startSnackdrawer, uniqueName } from './helpers';

let app: TestApp;
beforeAll(async () => {
  app = await startSnackdrawer();
});
afterAll(() => app.close());

describe('snacks', () => {
  it('lets any user create a snack (201), refuses a duplicate name (409), and reads it back', async () => {
    const session = await signUpAndLogin(app);
    const name = uniqueName('Crisps');
    const created = await app.request('/snackdrawer/snacks/', { json: { name }, headers: { 'x-access-token': session.token } });
    expect(created.status).toBe(201);
    const { snack } = (await created.json()) as { snack: { id: number; name: string } };
    expect(snack).toEqual({ id: expect.any(Number), name });
    const duplicate = await app.request('/snackdrawer/snacks', { json: { name }, headers: session.headers });
    expect(duplicate.status).toBe(409);
    expect((await errorOf(duplicate)).code).toBe('conflict');
    const read = await app.request(`/snackdrawer/snacks/${snack.id}`);
    expect(await read.json()).toEqual({ snack });
    expect((await app.request('/snackdrawer/snacks/9007199254740991')).status).toBe(404);
    expect((await app.request('/snackdrawer/snacks/0')).status).toBe(404);
  });

  it('needs a token to create (401) and validates the body (422)', async () => {
    expect((await app.request('/snackdrawer/snacks', { json: { name: 'x' } })).status).toBe(401);
    const session = await signUpAndLogin(app);
    const bad = await app.request('/snackdrawer/snacks', { json: { name: 'x', extra: true }, headers: session.headers });
    expect(bad.status).toBe(422);
  });

  it('lists by ascending id, 50 by default, with a Link while more remain', async () => {
    const session = await signUpAndLogin(app);
    for (let i = 0; i < 3; i++) await app.request('/snackdrawer/snacks', { json: { name: uniqueName('s') }, headers: session.headers });
    const page = await app.request('/snackdrawer/snacks?limit=2');
    expect(page.status).toBe(200);
    const { snacks } = (await page.json()) as { snacks: { id: number }[] };
    expect(snacks).toHaveLength(2);
    expect(snacks[0]!.id).toBeLessThan(snacks[1]!.id);
    expect(page.headers.get('link')).toMatch(/^<\/snackdrawer\/snacks\?limit=2&cursor=[A-Za-z0-9_-]+>; rel="next"$/);
    const all = (await (await app.request('/snackdrawer/snacks')).json()) as { snacks: unknown[] };
    expect(all.snacks.length).toBeLessThanOrEqual(50);
    expect((await app.request('/snackdrawer/snacks?limit=9999')).status).toBe(422);
  });
});

describe('SNACKDRAWER_SNACK_CREATORS=admin', () => {
  it('restricts snack creation to admins (403 for others)', async () => {
    const restricted = await startSnackdrawer({ SNACKDRAWER_SNACK_CREATORS: 'admin', SNACKDRAWER_BOOTSTRAP_ADMIN: 'snack-admin:admin password' });
    try {
      const session = await signUpAndLogin(restricted);
      const refused = await restricted.request('/snackdrawer/snacks', { json: { name: uniqueName('no') }, headers: session.headers });
      expect(refused.status).toBe(403);
      expect((await errorOf(refused)).code).toBe('forbidden');
      const login = await restricted.request('/snackdrawer/auth/login', { json: { username: 'snack-admin', password: 'admin password' } });
      const { token } = (await login.json()) as { token: string };
      const allowed = await restricted.request('/snackdrawer/snacks', { json: { name: uniqueName('yes') }, headers: { authorization: `Bearer ${token}` } });
      expect(allowed.status).toBe(201);
    } finally {
      await restricted.close();
    }
  });
});
