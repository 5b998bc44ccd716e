import type { TestApp } from '@platform/platform/testing';
import { expect } from 'vitest';

export function eventBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'Jazz night',
    description: 'An evening of live jazz in the old town square.',
    date: '2026-12-12',
    time: '20:50:12',
    timezone: 'Europe/Madrid',
    place: 'Plaza Mayor',
    organizer: 'Carlos',
    topics: 'music, jazz',
    ...overrides,
  };
}

export function notificationBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    subject: 'Reminder: jazz night',
    content: 'Do not forget the jazz night tomorrow evening, bring friends.',
    to_mail: 'someone@example.com',
    scheduled_time: '2030-01-01T08:00:00Z',
    ...overrides,
  };
}

export async function createEvent(app: TestApp, overrides: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const response = await app.request('/eventpost/events', { method: 'POST', json: eventBody(overrides) });
  expect(response.status).toBe(201);
  return (await response.json()) as Record<string, any>;
}

export async function createNotification(app: TestApp, overrides: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const response = await app.request('/eventpost/notifications', { method: 'POST', json: notificationBody(overrides) });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as Record<string, any>;
}

export async function errorOf(response: Response): Promise<{ code: string; message: string; details: any }> {
  expect(response.headers.get('content-type')).toBe('application/json');
  return ((await response.json()) as { error: { code: string; message: string; details: any } }).error;
}

/** Raw request with full control of headers and body (no JSON helper). */
export function raw(app: TestApp, path: string, init: RequestInit): Promise<Response> {
  return fetch(app.baseUrl + path, init);
}

export function secondsFromNow(seconds: number): string {
  return `${new Date(Date.now() + seconds * 1000).toISOString().slice(0, 19)}Z`;
}
