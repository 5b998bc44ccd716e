import type { TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, postMessage, startMessy, waitPersisted } from './helpers';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('messy write endpoints', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startMessy();
  });
  afterAll(() => app.close());

  it('POST /messy/messages answers 202 with a UUIDv7 and Location, and the message becomes readable', async () => {
    const response = await postMessage(app, message({ username: ' Fréd ', state: 'ny', message: 'a\r\nb\tc' }));
    expect(response.status).toBe(202);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { id: string; status: string };
    expect(body).toEqual({ id: expect.stringMatching(UUID_V7), status: 'accepted' });
    expect(response.headers.get('location')).toBe(`/messy/messages/${body.id}`);
    const stored = await waitPersisted(app, body.id);
    expect(stored).toEqual({
      id: body.id,
      username: 'Fréd',
      city: 'New York',
      state: 'NY',
      message: 'a\nb\tc',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
  });

  it("keeps the seed's GET write URL working, with and without the trailing slash", async () => {
    const withSlash = await app.request('/messy/message/write/?username=Fred&city=New+York&state=NY&message=Yo+what+up!');
    expect(withSlash.status).toBe(202);
    const { id } = (await withSlash.json()) as { id: string };
    expect(await waitPersisted(app, id)).toMatchObject({ username: 'Fred', city: 'New York', message: 'Yo what up!' });
    const withoutSlash = await app.request('/messy/message/write?username=Fred&city=Boston&state=ma&message=hi%20there');
    expect(withoutSlash.status).toBe(202);
  });

  it('POST /messy/message/write/ takes a form body, a JSON body, or the query string when the body is empty', async () => {
    const form = await app.request('/messy/message/write/', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=Ann&city=Salt+Lake+City&state=ut&message=%F0%9F%91%8B',
    });
    expect(form.status).toBe(202);
    const { id } = (await form.json()) as { id: string };
    expect(await waitPersisted(app, id)).toMatchObject({ username: 'Ann', state: 'UT', message: '👋' });
    const json = await app.request('/messy/message/write/', { method: 'POST', json: message() });
    expect(json.status).toBe(202);
    const query = await app.request('/messy/message/write/?username=Q&city=Q&state=TX&message=q', { method: 'POST' });
    expect(query.status).toBe(202);
  });

  it('POST /messy/messages/batch accepts 1-1000 messages and returns ids in input order', async () => {
    const messages = Array.from({ length: 5 }, (_, i) => message({ username: `u${i}` }));
    const response = await app.request('/messy/messages/batch', { method: 'POST', json: { messages } });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { ids: string[]; status: string };
    expect(body.status).toBe('accepted');
    expect(body.ids).toHaveLength(5);
    for (const [index, id] of body.ids.entries()) expect(await waitPersisted(app, id)).toMatchObject({ username: `u${index}` });
  });

  it('answers 405 with Allow for other methods and 404 for unknown paths', async () => {
    const put = await app.request('/messy/messages', { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(((await put.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
    const getBatch = await app.request('/messy/messages/batch');
    expect(getBatch.status).toBe(405);
    expect(getBatch.headers.get('allow')).toBe('POST');
    const deleteStats = await app.request('/messy/stats', { method: 'DELETE' });
    expect(deleteStats.status).toBe(405);
    expect((await app.request('/messy/nope')).status).toBe(404);
  });
});
