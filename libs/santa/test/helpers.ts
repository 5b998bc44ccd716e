import type { TestApp } from '@platform/platform/testing';
import { expect } from 'vitest';

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function call(app: TestApp, path: string, token?: string, init: RequestInit & { json?: unknown } = {}) {
  const response = await app.request(`/santa${path}`, { ...init, headers: { ...(token ? bearer(token) : {}), ...(init.headers ?? {}) } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

export interface Group {
  id: string;
  inviteCode: string;
  admin: { id: string; token: string };
}

export async function createGroup(app: TestApp, body: Record<string, unknown> = {}): Promise<Group> {
  const created = await call(app, '/groups', undefined, { method: 'POST', json: { name: 'Office', admin_name: 'Ann', ...body } });
  expect(created.status).toBe(201);
  return { id: created.body.group.id, inviteCode: created.body.group.invite_code, admin: { id: created.body.member_id, token: created.body.admin_token } };
}

export async function join(app: TestApp, group: Group, name: string, email?: string): Promise<{ id: string; token: string; name: string }> {
  const joined = await call(app, '/join', undefined, { method: 'POST', json: { invite_code: group.inviteCode, name, ...(email ? { email } : {}) } });
  expect(joined.status).toBe(201);
  return { id: joined.body.member.id, token: joined.body.member_token, name };
}

export async function groupWith(app: TestApp, names: string[], body: Record<string, unknown> = {}) {
  const group = await createGroup(app, body);
  const members = [];
  for (const name of names) members.push(await join(app, group, name));
  return { group, members };
}

export const draw = (app: TestApp, group: Group, body?: unknown) =>
  call(app, `/groups/${group.id}/draws`, group.admin.token, body === undefined ? { method: 'POST' } : { method: 'POST', json: body });

/** The value of one series on the app's /metrics; 0 while it has not been counted. */
export async function metricValue(app: TestApp, series: string): Promise<number> {
  const text = await (await app.request('/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
