import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchange, startTestApp, type RawStep, type TestApp } from '../src/testing';
import { createProbeModule } from './fixtures/probe-module';

const errorShape = (code: string, details: unknown = null) => ({ error: { code, message: expect.any(String), details } });

describe('client errors raised below the modules answer their 4xx with the error body', () => {
  let app: TestApp;
  let port: number;
  beforeAll(async () => {
    app = await startTestApp({ modules: [createProbeModule] });
    port = Number(new URL(app.baseUrl).port);
  });
  afterAll(() => app.close());

  /** One request written byte for byte; its single response as status and parsed JSON body. */
  async function send(head: string, body: Buffer = Buffer.alloc(0), options: { steps?: RawStep[]; after?: 'half-close' | 'wait' } = {}) {
    const outcome = await exchange(port, {
      steps: options.steps ?? [Buffer.concat([Buffer.from(head, 'latin1'), body])],
      methods: [head.split(' ', 1)[0]!],
      after: options.after ?? 'wait',
      timeoutMs: 5_000,
    });
    expect(outcome.responses, `${head.split('\r\n', 1)[0]}: ${JSON.stringify(outcome)}`).toHaveLength(1);
    const [response] = outcome.responses;
    return { status: response!.status, headers: response!.headers, json: JSON.parse(response!.body.toString('utf8')) };
  }

  const post = (path: string, body: Buffer, headers: Record<string, string> = {}) => {
    const lines = Object.entries({ 'Content-Type': 'application/json', 'Content-Length': String(body.length), ...headers }).map(([n, v]) => `${n}: ${v}\r\n`);
    return send(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.join('')}\r\n`, body);
  };
  const item = Buffer.from(JSON.stringify({ name: 'pen', quantity: 2 }));

  it.each([
    ['%', '%'],
    ['%Z', '%Z'],
    ['%ZZ', '%ZZ'],
    ['%C0%AF (overlong)', '%C0%AF'],
    ['%FF', '%FF'],
    ['%ED%A0%80 (a surrogate)', '%ED%A0%80'],
    ['3000 × %', '%'.repeat(3_000)],
  ])('404 not_found for the path parameter %s, on every method', async (_label, escape) => {
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      const outcome = await exchange(port, {
        steps: [Buffer.from(`${method} /probe/items/${escape} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n`)],
        methods: [method],
        after: 'wait',
        timeoutMs: 5_000,
      });
      expect(outcome.responses.map((r) => r.status), method).toEqual([404]);
      if (method !== 'HEAD') expect(JSON.parse(outcome.responses[0]!.body.toString()), method).toEqual(errorShape('not_found'));
    }
  });

  it('a path that decodes still reaches its route', async () => {
    const response = await send('GET /probe/items/%31%32 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(response.status).toBe(404);
    expect(response.json.error.message).toBe('No such item');
  });

  it.each(['x-unknown', 'compress', 'gzip, x-unknown'])('415 unsupported_media_type for the Content-Encoding %s', async (encoding) => {
    const response = await post('/probe/items', item, { 'Content-Encoding': encoding });
    expect(response.status).toBe(415);
    expect(response.json).toEqual(errorShape('unsupported_media_type'));
  });

  it.each([
    ['plain JSON labelled gzip', item, 'gzip'],
    ['plain JSON labelled deflate', item, 'deflate'],
    ['plain JSON labelled br', item, 'br'],
    ['gzip labelled deflate', gzipSync(item), 'deflate'],
    ['gzip labelled br', gzipSync(item), 'br'],
    ['gzip cut short', gzipSync(item).subarray(0, 12), 'gzip'],
  ])('400 malformed_body for %s', async (_label, body, encoding) => {
    const response = await post('/probe/items', body, { 'Content-Encoding': encoding });
    expect(response.status).toBe(400);
    expect(response.json).toEqual(errorShape('malformed_body'));
  });

  it.each([
    ['gzip', gzipSync(item)],
    ['deflate', deflateSync(item)],
    ['br', brotliCompressSync(item)],
  ])('a body that really is %s is read', async (encoding, body) => {
    const response = await post('/probe/items', body, { 'Content-Encoding': encoding });
    expect(response.status).toBe(201);
    expect(response.json).toMatchObject({ name: 'pen', quantity: 2 });
  });

  it('413 payload_too_large when the body passes the limit only once decompressed', async () => {
    const large = gzipSync(Buffer.from(JSON.stringify({ name: 'x'.repeat(50_000), quantity: 1 })));
    expect(large.length).toBeLessThan(1024);
    const response = await post('/probe/items', large, { 'Content-Encoding': 'gzip' });
    expect(response.status).toBe(413);
    expect(response.json).toEqual(errorShape('payload_too_large', { limit: 1024 }));
  });

  it.each(['bogus', 'latin1', 'koi8-r'])('415 unsupported_media_type for charset=%s', async (charset) => {
    const response = await post('/probe/items', item, { 'Content-Type': `application/json; charset=${charset}` });
    expect(response.status).toBe(415);
    expect(response.json).toEqual(errorShape('unsupported_media_type'));
  });

  it('400 with the error body for a body cut short by the client', async () => {
    const head = `POST /probe/items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${item.length + 10}\r\n\r\n`;
    const response = await send(head, item, { after: 'half-close' });
    expect(response.status).toBe(400);
    expect(response.json).toEqual(errorShape('bad_request'));
  });

  it('a body trickled in slowly is read whole', async () => {
    const wire = Buffer.from(`POST /probe/items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${item.length}\r\n\r\n${item}`);
    const steps: RawStep[] = [];
    for (let at = 0; at < wire.length; at += 16) steps.push(wire.subarray(at, at + 16), { pauseMs: 10 });
    const response = await send('POST', undefined, { steps });
    expect(response.status).toBe(201);
  });

  it.each([
    [400, 'bad_request'],
    [403, 'forbidden'],
    [409, 'conflict'],
    [416, 'range_not_satisfiable'],
  ])('an http-errors style %i with expose answers that status with a stable code', async (status, code) => {
    const response = await send(`GET /probe/library-error/${status} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    expect(response.status).toBe(status);
    expect(response.json).toEqual(errorShape(code));
    expect(JSON.stringify(response.json)).not.toContain('library detail');
  });

  it('an http-errors style 5xx stays an internal error', async () => {
    const response = await send('GET /probe/library-error/502 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(response.status).toBe(500);
    expect(response.json).toEqual(errorShape('internal_error'));
  });

  it('400 missing_host with the error body for an HTTP/1.1 request without Host; HTTP/1.0 needs none', async () => {
    const response = await send('GET /healthz HTTP/1.1\r\n\r\n');
    expect(response.status).toBe(400);
    expect(response.json).toEqual(errorShape('missing_host'));
    expect((await send('GET /healthz HTTP/1.0\r\n\r\n')).status).toBe(200);
  });

  it('answers every request of a pipeline, hostile ones included, in order', async () => {
    const requests = [
      'GET /probe/items/%ZZ HTTP/1.1\r\nHost: a\r\n\r\n',
      `POST /probe/items HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: ${item.length}\r\n\r\n${item}`,
      'GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n',
    ];
    const outcome = await exchange(port, { steps: [Buffer.from(requests.join(''))], methods: ['GET', 'POST', 'GET'], after: 'wait', timeoutMs: 5_000 });
    expect(outcome.responses.map((r) => r.status)).toEqual([404, 400, 200]);
  });
});
