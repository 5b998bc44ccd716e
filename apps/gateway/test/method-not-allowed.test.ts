import { startTestApp, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moduleFactories } from '../src/modules';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

describe('405, Allow and OPTIONS on every documented path', () => {
  let app: TestApp;
  let paths: Record<string, Record<string, unknown>>;
  beforeAll(async () => {
    app = await startTestApp({ modules: moduleFactories, workers: false });
    paths = (await (await app.request('/openapi.json')).json()).paths;
  });
  afterAll(() => app.close());

  it('answers OPTIONS 204 with the exact Allow and every other method 405 with it, in one body shape', async () => {
    expect(Object.keys(paths).length).toBeGreaterThan(40);
    for (const [template, item] of Object.entries(paths)) {
      const documented = Object.keys(item).map((method) => method.toUpperCase());
      const allow = METHODS.filter((method) => documented.includes(method) || (method === 'HEAD' && documented.includes('GET')));
      // Any value addresses the path: 405 and OPTIONS are answered before parameters are checked.
      const path = template.replace(/\{[^}]+\}/g, '1');

      const options = await app.request(path, { method: 'OPTIONS' });
      expect(options.status, `OPTIONS ${path}`).toBe(204);
      expect(options.headers.get('allow'), `OPTIONS ${path}`).toBe(allow.join(', '));

      for (const method of METHODS.filter((m) => !allow.includes(m))) {
        const response = await app.request(path, { method });
        expect(response.status, `${method} ${path}`).toBe(405);
        expect(response.headers.get('allow'), `${method} ${path}`).toBe(allow.join(', '));
        if (method === 'HEAD') continue;
        expect(await response.json(), `${method} ${path}`).toEqual({
          error: { code: 'method_not_allowed', message: expect.stringContaining(method), details: { allow } },
        });
      }
    }
  });

  it("keeps eye's CORS preflight on its ingest and Segment paths only", async () => {
    for (const path of ['/eye/events', '/eye/events/batch', '/eye/segment/v1/batch', '/eye/segment/v1/track']) {
      const preflight = await app.request(path, { method: 'OPTIONS', headers: { origin: 'https://example.com', 'access-control-request-method': 'POST' } });
      expect(preflight.status, path).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin'), path).toBe('*');
      expect(preflight.headers.get('access-control-allow-methods'), path).toBe('POST, OPTIONS');
      expect(preflight.headers.get('access-control-allow-headers'), path).toBe('Authorization, Content-Type');
    }
    const query = await app.request('/eye/stats', { method: 'OPTIONS', headers: { origin: 'https://example.com' } });
    expect(query.status).toBe(204);
    expect(query.headers.get('access-control-allow-origin')).toBeNull();
  });
});
