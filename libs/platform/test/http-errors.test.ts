import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../src/testing';
import { createProbeModule } from './fixtures/probe-module';

const errorShape = (code: string, details: unknown = null) => ({ error: { code, message: expect.any(String), details } });

describe('HTTP errors always answer {"error":{"code","message","details"}}', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [createProbeModule] });
  });
  afterAll(() => app.close());

  it('400 malformed_json for an unparseable body', async () => {
    const response = await app.request('/probe/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'malformed_json', message: expect.any(String), details: null } });
  });

  it('404 not_found for unknown paths, inside and outside modules', async () => {
    for (const path of ['/probe/nope', '/nope', '/probe/items/abc', '/probe/items/99999']) {
      const response = await app.request(path);
      expect(response.status, path).toBe(404);
      expect(await response.json()).toEqual({ error: { code: 'not_found', message: expect.any(String), details: null } });
    }
  });

  it('413 payload_too_large past the module body limit', async () => {
    const response = await app.request('/probe/items', { json: { name: 'x'.repeat(2_000), quantity: 1 } });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual(errorShape('payload_too_large', { limit: 1024 }));
  });

  it('415 unsupported_media_type for a non-JSON body', async () => {
    const response = await app.request('/probe/items', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'name=x' });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual(errorShape('unsupported_media_type'));
  });

  it('422 validation_failed listing every failing field', async () => {
    const response = await app.request('/probe/items', { json: { name: '', quantity: 'many', extra: true } });
    expect(response.status).toBe(422);
    const body = await response.json();
    expect(body.error.code).toBe('validation_failed');
    const paths = body.error.details.map((detail: { path: string }) => detail.path).sort();
    expect(paths).toEqual(['extra', 'name', 'quantity']);
    const unknown = body.error.details.find((detail: { path: string }) => detail.path === 'extra');
    expect(unknown).toMatchObject({ message: 'Unknown field', code: 'unrecognized_keys' });
  });

  it('422 for JSON that is not an object', async () => {
    const response = await app.request('/probe/items', { json: [1, 2] });
    expect(response.status).toBe(422);
  });

  it('422 invalid_value when a value slips past validation but Postgres refuses it (NUL in text)', async () => {
    const response = await app.request('/probe/raw-items', { json: { name: 'a\u0000b' } });
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual(errorShape('invalid_value'));
  });

  it('500 hides internals: no stack, no message from the thrown error', async () => {
    const response = await app.request('/probe/boom');
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal_error', message: 'Internal server error', details: null } });
    expect(text).not.toContain('secret internal detail');
  });

  it('HttpError carries its own status, code and details', async () => {
    const response = await app.request('/probe/teapot');
    expect(response.status).toBe(418);
    expect(await response.json()).toEqual({ error: { code: 'teapot', message: 'I am a teapot', details: { reason: 'test' } } });
  });

  it('431 headers_too_large with the error body when headers pass Node\'s limit', async () => {
    const response = await app.request('/healthz', { headers: { 'x-filler': 'x'.repeat(20_000) } });
    expect(response.status).toBe(431);
    expect(await response.json()).toEqual(errorShape('headers_too_large'));
  });

  it('echoes a well-formed X-Request-Id and mints one otherwise', async () => {
    const echoed = await app.request('/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('abc-123');
    const minted = await app.request('/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(minted.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a valid request reaches the database and round-trips', async () => {
    const created = await app.request('/probe/items', { json: { name: 'pen', quantity: 2 } });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    const read = await app.request(`/probe/items/${id}`);
    expect(await read.json()).toEqual({ id, name: 'pen', quantity: 2 });
  });
});
