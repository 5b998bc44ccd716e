import type { TestApp } from '@platform/platform/testing';
import { expect } from 'vitest';
import { createDrawer, createSnack, signUpAndLogin } from './helpers';

/** Calls every §5 route once with a successful request (the scrape then holds every route label). */
export async function callEveryRoute(app: TestApp, admin: { username: string; password: string }): Promise<void> {
  const session = await signUpAndLogin(app);
  const drawer = await createDrawer(app, session);
  const snack = await createSnack(app, session);
  const other = await createSnack(app, session);
  const h = session.headers;
  const calls: [string, string, unknown?][] = [
    ['GET', '/auth/me'],
    ['GET', '/snacks'],
    ['GET', `/snacks/${snack}`],
    ['GET', '/drawers'],
    ['GET', `/drawers/${drawer}`],
    ['PATCH', `/drawers/${drawer}`, { name: 'renamed in tour' }],
    ['POST', `/drawers/${drawer}`, { snack }],
    ['POST', `/drawers/${drawer}/snacks`, { snack: other }],
    ['PATCH', `/drawers/${drawer}/snacks/${snack}`, { quantity: 3 }],
    ['DELETE', `/drawers/${drawer}/snacks/${snack}`],
    ['DELETE', `/drawers/${drawer}`],
  ];
  for (const [method, path, json] of calls) {
    const response = await app.request(`/snackdrawer${path}`, { method, json, headers: h });
    expect(response.status, `${method} ${path}`).toBeLessThan(300);
  }
  const login = await app.request('/snackdrawer/auth/login', { json: admin });
  const { token } = (await login.json()) as { token: string };
  const ah = { authorization: `Bearer ${token}` };
  expect((await app.request('/snackdrawer/admin/faults', { headers: ah })).status).toBe(200);
  expect((await app.request('/snackdrawer/admin/faults', { method: 'PUT', json: {}, headers: ah })).status).toBe(200);
  expect((await app.request('/snackdrawer/admin/faults', { method: 'DELETE', headers: ah })).status).toBe(204);
}
