import { startTestApp, type TestApp } from '@platform/platform/testing';
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { paths } from '../generated/openapi';
import { moduleFactories } from '../src/modules';

// The client's types come from the gateway's own document (nx target openapi-types): a path, body field or
// response field the code does not have fails typecheck; a document that lies about the code fails here.
let app: TestApp;
let client: ReturnType<typeof createClient<paths>>;
beforeAll(async () => {
  app = await startTestApp({ modules: moduleFactories });
  client = createClient<paths>({ baseUrl: app.baseUrl });
});
afterAll(() => app?.close());

it('signs up, logs in, creates a drawer and lists it through the client typed from /openapi.json', async () => {
  const credentials = { username: 'typed-client', password: 'a long enough password' };
  const signUp = await client.POST('/snackdrawer/auth/users', { body: credentials });
  expect(signUp.response.status).toBe(201);
  expect(signUp.data).toEqual({ id: expect.any(Number), username: credentials.username });

  const login = await client.POST('/snackdrawer/auth/login', { body: credentials });
  expect(login.response.status).toBe(200);
  expect(login.data?.token_type).toBe('Bearer');
  const headers = { Authorization: `Bearer ${login.data!.token}` };

  const me = await client.GET('/snackdrawer/auth/me', { headers });
  expect(me.data).toEqual({ id: signUp.data!.id, username: credentials.username, role: 'user' });

  const created = await client.POST('/snackdrawer/drawers', { body: { name: 'Desk' }, headers });
  expect(created.response.status).toBe(201);
  expect(created.data?.drawer).toEqual({ id: expect.any(Number), name: 'Desk', contents: [] });

  const listed = await client.GET('/snackdrawer/drawers', { params: { query: { limit: '10' } }, headers });
  expect(listed.response.status).toBe(200);
  expect(listed.data?.drawers).toEqual([{ id: created.data!.drawer.id, name: 'Desk' }]);
});

it('the types reject what the gateway rejects: a path it does not serve, a body missing a required field', async () => {
  // @ts-expect-error the document has no such path
  const missing = await client.GET('/snackdrawer/no-such-path');
  expect(missing.response.status).toBe(404);

  // @ts-expect-error password is required by the sign-up body
  const incomplete = await client.POST('/snackdrawer/auth/users', { body: { username: 'no-password' } });
  expect(incomplete.response.status).toBe(422);
  expect(incomplete.error).toMatchObject({ error: { code: 'validation_failed' } });
});
