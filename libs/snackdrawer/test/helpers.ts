import { startTestApp, type TestApp } from '@platform/platform/testing';
import { expect } from 'vitest';
import { createSnackdrawerModule } from '../src';

export const SECRET = 'test-secret-that-is-at-least-32-bytes-long!';

export function startSnackdrawer(env: Record<string, string> = {}, options: { redisPrefix?: string } = {}): Promise<TestApp> {
  return startTestApp({
    modules: [createSnackdrawerModule],
    workers: false,
    redisPrefix: options.redisPrefix,
    env: { SNACKDRAWER_SCRYPT_LOG2N: '14', SNACKDRAWER_JWT_SECRET: SECRET, ...env },
  });
}

let counter = 0;
/** A username unique within the run (tests share one database). */
export function uniqueName(base = 'user'): string {
  counter += 1;
  return `${base}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

export interface Session {
  id: number;
  username: string;
  password: string;
  token: string;
  headers: Record<string, string>;
}

export async function signUpAndLogin(app: TestApp, username = uniqueName()): Promise<Session> {
  const password = 'correct horse battery';
  const created = await app.request('/snackdrawer/auth/users', { json: { username, password } });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: number };
  const login = await app.request('/snackdrawer/auth/login', { json: { username, password } });
  expect(login.status).toBe(200);
  const { token } = (await login.json()) as { token: string };
  return { id, username, password, token, headers: { authorization: `Bearer ${token}` } };
}

export async function createDrawer(app: TestApp, session: Session, name = uniqueName('drawer')): Promise<number> {
  const response = await app.request('/snackdrawer/drawers', { json: { name }, headers: session.headers });
  expect(response.status).toBe(201);
  return ((await response.json()) as { drawer: { id: number } }).drawer.id;
}

export async function createSnack(app: TestApp, session: Session, name = uniqueName('snack')): Promise<number> {
  const response = await app.request('/snackdrawer/snacks', { json: { name }, headers: session.headers });
  expect(response.status).toBe(201);
  return ((await response.json()) as { snack: { id: number } }).snack.id;
}

export async function errorOf(response: Response): Promise<{ code: string; message: string; details: any }> {
  return ((await response.json()) as { error: { code: string; message: string; details: any } }).error;
}
