import { startTestApp, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moduleFactories } from '../src/modules';

describe('the gateway with every module', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: moduleFactories });
  });
  afterAll(() => app.close());

  it('mounts every module under its prefix', async () => {
    expect(app.modules.map((m) => m.name)).toEqual(['santa', 'eye', 'eventpost', 'snackdrawer', 'messy']);
    for (const module of app.modules) {
      const response = await app.request(`/${module.name}/__no_such_route__`);
      expect(response.status, module.name).toBe(404);
      expect((await response.json()).error.code).toBe('not_found');
    }
  });

  it('/healthz and /readyz answer 200 once migrations are done', async () => {
    expect((await app.request('/healthz')).status).toBe(200);
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok', migrations: 'ok' } });
  });

  it('/openapi.json is an OpenAPI 3.1 document holding the platform and module paths', async () => {
    const document = await (await app.request('/openapi.json')).json();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/metrics']));
    const modulePaths = app.modules.flatMap((m) => m.operations.map((op) => `/${m.name}${op.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`));
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(modulePaths));
  });

  it('/docs renders the reference locally with a strict CSP and escaped text', async () => {
    const response = await app.request('/docs');
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    expect(html).toContain('/readyz');
    expect(html).not.toMatch(/<script|https?:\/\/(?!localhost)/);
  });

  it('/metrics is Prometheus text with the gateway series', async () => {
    await app.request('/healthz');
    const text = await (await app.request('/metrics')).text();
    expect(text).toMatch(/http_server_request_duration_seconds_count\{module="gateway",method="GET",route="\/healthz",status_code="200"\}/);
  });
});
