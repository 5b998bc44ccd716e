import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
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

  it('/docs is Swagger UI from this origin under a CSP that allows no inline script and no other origin', async () => {
    const response = await app.request('/docs');
    expect(response.headers.get('content-type')).toContain('text/html');
    const policy = response.headers.get('content-security-policy')!;
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toMatch(/'unsafe-eval'|script-src[^;]*'unsafe-inline'|https?:|\*/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    expect(html).not.toMatch(/https?:\/\/(?!localhost)/);
    const scripts = [...html.matchAll(/<script([^>]*)>([^<]*)<\/script>/g)];
    expect(scripts.map(([, attributes]) => /src="([^"]+)"/.exec(attributes!)?.[1])).toEqual([
      expect.stringMatching(/^\/docs\/assets\/[0-9.]+\/swagger-ui-bundle\.js$/),
      '/docs/init.js',
    ]);
    expect(scripts.map(([, , inline]) => inline)).toEqual(['', '']);

    const init = await app.request('/docs/init.js');
    expect(init.headers.get('content-type')).toContain('text/javascript');
    expect(await init.text()).toContain("fetch('/openapi.json')");
  });

  it('/docs assets are the installed swagger-ui-dist files, cached for a year under their version', async () => {
    const require = createRequire(import.meta.url);
    const { version } = require('swagger-ui-dist/package.json') as { version: string };
    for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png']) {
      const response = await app.request(`/docs/assets/${version}/${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('cache-control'), file).toBe('public, max-age=31536000, immutable');
      expect(Buffer.from(await response.arrayBuffer()).equals(await readFile(require.resolve(`swagger-ui-dist/${file}`))), file).toBe(true);
    }
    // Only the files the page uses: not the package's own index.html (it points at the petstore on the internet).
    expect((await app.request(`/docs/assets/${version}/index.html`)).status).toBe(404);
  });

  it('/ links every module prefix, /docs, /openapi.json and /metrics, as HTML or as JSON on Accept: application/json', async () => {
    const html = await app.request('/');
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.headers.get('vary')).toContain('Accept');
    const hrefs = [...(await html.text()).matchAll(/href="([^"]+)"/g)].map(([, href]) => href);
    const expected = [...app.modules.map((m) => `/${m.name}`), '/docs', '/openapi.json', '/metrics'];
    expect(hrefs).toEqual(expected);

    const json = await app.request('/', { headers: { accept: 'application/json' } });
    expect(json.headers.get('content-type')).toContain('application/json');
    expect(await json.json()).toEqual({
      modules: app.modules.map((m) => ({ name: m.name, href: `/${m.name}` })),
      docs: '/docs',
      openapi: '/openapi.json',
      metrics: '/metrics',
    });
    for (const href of expected.slice(-3)) expect((await app.request(href)).status, href).toBe(200);
  });

  it('/metrics is Prometheus text with the gateway series', async () => {
    await app.request('/healthz');
    const text = await (await app.request('/metrics')).text();
    expect(text).toMatch(/http_server_request_duration_seconds_count\{module="gateway",method="GET",route="\/healthz",status_code="200"\}/);
  });
});
