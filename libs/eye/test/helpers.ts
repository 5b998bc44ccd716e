import { startTestApp, waitFor, type TestApp } from '@platform/platform/testing';
import { createEyeModule } from '../src';

export const KEYS = { web: 'web-key-1', mobile: 'mobile-key-1' };
export const WRITE_KEYS = `web:${KEYS.web},mobile:${KEYS.mobile}`;

export function startEye(env: Record<string, string> = {}, options: { workers?: boolean; redisPrefix?: string } = {}): Promise<TestApp> {
  return startTestApp({ modules: [createEyeModule], env: { EYE_WRITE_KEYS: WRITE_KEYS, ...env }, ...options });
}

let defaultKey = KEYS.web;
/** A test file with applications of its own sets the key its requests use by default. */
export function useDefaultKey(key: string): void {
  defaultKey = key;
}

export const auth = (key: string) => ({ authorization: `Bearer ${key}` });

export async function post(app: TestApp, path: string, body: unknown, key: string = defaultKey, headers: Record<string, string> = {}) {
  const response = await app.request(path, { method: 'POST', headers: { ...auth(key), ...headers }, json: body });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

export async function postRaw(app: TestApp, path: string, text: string, key: string = defaultKey, contentType = 'application/json') {
  const response = await app.request(path, { method: 'POST', headers: { ...auth(key), 'content-type': contentType }, body: text });
  const body = response.status === 204 ? null : await response.json();
  return { status: response.status, headers: response.headers, body: body as any };
}

export async function get(app: TestApp, path: string, key: string = defaultKey) {
  const response = await app.request(path, { headers: auth(key) });
  return { status: response.status, body: (await response.json()) as any };
}

/** Polls a list endpoint until it holds `count` items. */
export function waitForItems(app: TestApp, path: string, count: number, key: string = defaultKey): Promise<any[]> {
  return waitFor(
    async () => {
      const { status, body } = await get(app, path, key);
      return status === 200 && body.items.length >= count ? (body.items as any[]) : undefined;
    },
    { timeoutMs: 20_000, what: `${count} items at ${path}` },
  );
}

let counter = 0;
/** A session id unique within the run, so tests sharing the database never see each other's events. */
export function sessionId(label = 's'): string {
  counter += 1;
  return `${label}-${process.pid}-${Date.now()}-${counter}`;
}

export function pageview(session: string, overrides: Record<string, unknown> = {}) {
  return {
    session_id: session,
    category: 'page interaction',
    name: 'pageview',
    data: { host: 'www.ca.com', path: '/' },
    timestamp: '2021-01-01 09:15:27.243860',
    ...overrides,
  };
}

/** Polls until the error record is queryable. */
export function waitForRecord(app: TestApp, id: string, key: string = defaultKey): Promise<any> {
  return waitFor(async () => {
    const { status, body } = await get(app, `/eye/errors/${id}`, key);
    return status === 200 ? body : undefined;
  }, { timeoutMs: 20_000, what: `error record ${id}` });
}

/** Every sample of /metrics by its series (name and labels as printed). */
export async function metricValues(app: TestApp): Promise<Map<string, number>> {
  const text = await (await app.request('/metrics')).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}
