import type { TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, postMessage, startMessy } from './helpers';

type ErrorBody = { error: { code: string; message: string; details: { path: string; code: string }[] | null } };

async function expectError(response: Response, status: number, code: string): Promise<ErrorBody> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as ErrorBody;
  expect(body.error.code).toBe(code);
  return body;
}

async function counter(app: TestApp, outcome: string): Promise<number> {
  const text = await (await app.request('/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(`messy_messages_total{outcome="${outcome}"}`));
  return Number(line?.split(' ')[1]);
}

describe('messy write validation', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startMessy({}, { workers: false });
  });
  afterAll(() => app.close());

  it('answers 422 with one detail per bad field and counts the rejection', async () => {
    const before = await counter(app, 'rejected');
    const body = await expectError(await postMessage(app, { username: '  ', city: 7, state: 'PR' }), 422, 'validation_failed');
    expect(body.error.details!.map((d) => d.path)).toEqual(['username', 'city', 'state', 'message']);
    expect(await counter(app, 'rejected')).toBe(before + 1);
  });

  it('refuses NUL and other control characters, over-long values and bad states', async () => {
    for (const bad of [{ username: 'a\u0000' }, { city: 'x'.repeat(65) }, { message: 'x'.repeat(1001) }, { state: 'XX' }, { state: 'New York' }]) {
      await expectError(await postMessage(app, message(bad)), 422, 'validation_failed');
    }
  });

  it('refuses a body that is not an object (422), unparseable or non-UTF-8 JSON (400), other types (415), big bodies (413)', async () => {
    await expectError(await postMessage(app, ['x']), 422, 'validation_failed');
    await expectError(await app.request('/messy/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' }), 400, 'malformed_json');
    const latin1 = Buffer.concat([Buffer.from('{"username":"'), Buffer.from([0xe9]), Buffer.from('","city":"x","state":"NY","message":"m"}')]);
    await expectError(await app.request('/messy/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: latin1 }), 400, 'malformed_json');
    await expectError(await app.request('/messy/messages', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' }), 415, 'unsupported_media_type');
    await expectError(await postMessage(app, message({ message: 'x'.repeat(70 * 1024) })), 413, 'payload_too_large');
  });

  it('refuses a body that does not match its Content-Encoding (400) and an encoding it cannot read (415)', async () => {
    const body = JSON.stringify(message());
    for (const [path, contentType] of [['/messy/messages', 'application/json'], ['/messy/message/write/', 'application/x-www-form-urlencoded']]) {
      for (const encoding of ['gzip', 'deflate', 'br']) {
        const response = await app.request(path!, { method: 'POST', headers: { 'content-type': contentType!, 'content-encoding': encoding }, body });
        await expectError(response, 400, 'malformed_body');
      }
      await expectError(await app.request(path!, { method: 'POST', headers: { 'content-type': contentType!, 'content-encoding': 'x-unknown' }, body }), 415, 'unsupported_media_type');
    }
  });

  it('refuses duplicate query fields and percent-encoded bytes that are not UTF-8', async () => {
    const duplicate = await expectError(await app.request('/messy/message/write/?username=a&username=b&city=c&state=NY&message=m'), 422, 'validation_failed');
    expect(duplicate.error.details!.map((d) => d.path)).toEqual(['username']);
    const badBytes = await expectError(await app.request('/messy/message/write/?username=%FF&city=c&state=NY&message=m'), 422, 'validation_failed');
    expect(badBytes.error.details!).toMatchObject([{ path: 'username', code: 'invalid_utf8' }]);
    const form = await app.request('/messy/message/write/', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=a&city=c&state=NY&message=%C3',
    });
    await expectError(form, 422, 'validation_failed');
    await expectError(await app.request('/messy/message/write/', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'a,b' }), 415, 'unsupported_media_type');
  });

  it('treats a batch as all or nothing, bounds it to 1-1000 items and its body to 8 MiB', async () => {
    const before = await counter(app, 'rejected');
    const oneBad = await expectError(
      await app.request('/messy/messages/batch', { method: 'POST', json: { messages: [message(), message({ state: 'xx' }), message()] } }),
      422,
      'validation_failed',
    );
    expect(oneBad.error.details!.map((d) => d.path)).toEqual(['messages.1.state']);
    expect(await counter(app, 'rejected')).toBe(before + 3);
    for (const messages of [[], Array.from({ length: 1001 }, () => message())]) {
      const body = await expectError(await app.request('/messy/messages/batch', { method: 'POST', json: { messages } }), 422, 'validation_failed');
      expect(body.error.details!.map((d) => d.path)).toEqual(['messages']);
    }
    await expectError(await app.request('/messy/messages/batch', { method: 'POST', json: { messages: 'x' } }), 422, 'validation_failed');
    const huge = { messages: [message({ message: 'x'.repeat(9 * 1024 * 1024) })] };
    await expectError(await app.request('/messy/messages/batch', { method: 'POST', json: huge }), 413, 'payload_too_large');
  });

  it('refuses a malformed Idempotency-Key', async () => {
    const body = await expectError(await postMessage(app, message(), { 'Idempotency-Key': 'has space' }), 422, 'validation_failed');
    expect(body.error.details!.map((d) => d.path)).toEqual(['Idempotency-Key']);
    await expectError(await postMessage(app, message(), { 'Idempotency-Key': 'k'.repeat(256) }), 422, 'validation_failed');
  });

  it('enqueues nothing for a rejected request', async () => {
    const queue = app.platform.deps.queues.queue('messy-ingest');
    const before = await queue.getJobCountByTypes('waiting', 'active', 'delayed', 'completed');
    await postMessage(app, message({ state: 'ZZ' }));
    expect(await queue.getJobCountByTypes('waiting', 'active', 'delayed', 'completed')).toBe(before);
  });
});
