import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../src/testing';
import { createProbeModule } from './fixtures/probe-module';

describe('the operation router', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [createProbeModule], workers: false });
  });
  afterAll(() => app.close());

  it('answers another method on a declared path 405 with the exact Allow, in one body shape', async () => {
    for (const [method, path, allow] of [
      ['DELETE', '/probe/items', ['POST']],
      ['PUT', '/probe/items/1', ['GET', 'HEAD']],
      ['POST', '/metrics', ['GET', 'HEAD']],
      ['DELETE', '/healthz', ['GET', 'HEAD']],
    ] as const) {
      const response = await app.request(path, { method });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get('allow')).toBe(allow.join(', '));
      expect(await response.json()).toEqual({ error: { code: 'method_not_allowed', message: expect.stringContaining(method), details: { allow } } });
    }
  });

  it('answers OPTIONS 204 with Allow on module and platform paths', async () => {
    for (const [path, allow] of [
      ['/probe/items', 'POST'],
      ['/healthz', 'GET, HEAD'],
      ['/openapi.json', 'GET, HEAD'],
    ]) {
      const response = await app.request(path!, { method: 'OPTIONS' });
      expect(response.status, path).toBe(204);
      expect(response.headers.get('allow')).toBe(allow);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('hands the handler parsed input and answers 422 in=query for a query that fails its schema', async () => {
    const fast = await app.request('/probe/slow?ms=1');
    expect(fast.status).toBe(200);
    const bad = await app.request('/probe/slow?ms=soon');
    expect(bad.status).toBe(422);
    expect((await bad.json()).error.details).toEqual([expect.objectContaining({ path: 'ms', in: 'query' })]);
  });

  it('documents each operation with its security, parameters and the errors the router answers', async () => {
    const document = await (await app.request('/openapi.json')).json();
    expect(document.servers).toEqual([{ url: app.platform.deps.config.PUBLIC_URL }]);
    expect(document.tags).toEqual([
      { name: 'platform', description: expect.any(String) },
      { name: 'probe', description: 'A test module' },
    ]);
    const read = document.paths['/probe/items/{id}'].get;
    expect(read).toMatchObject({ operationId: 'probe.getItemsId', security: [], tags: ['probe'] });
    expect(read.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[1-9][0-9]{0,9}$' } }]);
    expect(Object.keys(read.responses)).toEqual(['200', '404']);
    expect(Object.keys(document.paths['/probe/items'].post.responses)).toEqual(['201', '400', '413', '415', '422']);
    expect(document.paths['/probe/items'].post.responses['422']).toEqual({ $ref: '#/components/responses/ValidationFailed' });
  });
});
