import { startTestApp, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventpostModule } from '../src';
import { createEvent, errorOf, eventBody, raw } from './fixtures';

describe('events CRUD', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [createEventpostModule] });
  });
  afterAll(() => app.close());

  it('creates an event with the seed wire shape, Location and ETag', async () => {
    const response = await app.request('/eventpost/events', { method: 'POST', json: eventBody() });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = await response.json();
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      title: 'Jazz night',
      description: 'An evening of live jazz in the old town square.',
      date: '2026-12-12',
      time: '20:50:12',
      timezone: 'Europe/Madrid',
      starts_at: '2026-12-12T19:50:12Z',
      place: 'Plaza Mayor',
      organizer: 'Carlos',
      topics: 'music, jazz',
      version: 1,
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      updated_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
    expect(response.headers.get('location')).toBe(`/eventpost/events/${body.id}`);
    const etag = response.headers.get('etag');
    expect(etag).toMatch(/^"/);
    const read = await app.request(`/eventpost/events/${body.id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe(etag);
    expect(read.headers.get('cache-control')).toBe('no-cache');
    expect(await read.json()).toEqual(body);
  });

  it('accepts a body without Content-Type and a +json type; rejects other types with 415', async () => {
    // A string body would make fetch add text/plain; bytes go out without Content-Type.
    const noType = await raw(app, '/eventpost/events', { method: 'POST', body: new TextEncoder().encode(JSON.stringify(eventBody())) });
    expect(noType.status).toBe(201);
    const plusJson = await raw(app, '/eventpost/events', {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.seed+json' },
      body: JSON.stringify(eventBody()),
    });
    expect(plusJson.status).toBe(201);
    const text = await raw(app, '/eventpost/events', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(eventBody()) });
    expect(text.status).toBe(415);
    expect((await errorOf(text)).code).toBe('unsupported_media_type');
  });

  it('answers 400 for empty, malformed and non-object bodies, 413 past the limit', async () => {
    const post = (body: string) => raw(app, '/eventpost/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect((await errorOf(await post(''))).code).toBe('bad_request');
    expect((await errorOf(await post('{"title":'))).code).toBe('malformed_json');
    for (const body of ['[]', 'null', '"x"', '1']) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect((await errorOf(response)).code).toBe('bad_request');
    }
    const big = await post(JSON.stringify(eventBody({ description: 'x'.repeat(70_000) })));
    expect(big.status).toBe(413);
    expect((await errorOf(big)).code).toBe('payload_too_large');
  });

  it('lists every failing field in one 422', async () => {
    const response = await app.request('/eventpost/events', {
      method: 'POST',
      json: { title: '   ', description: 'short', date: '2021-02-29', time: '23:59:60', timezone: 'Mars/Olympus', place: 'x'.repeat(101) },
    });
    expect(response.status).toBe(422);
    const error = await errorOf(response);
    expect(error.code).toBe('validation_failed');
    expect(error.details.map((d: { path: string }) => d.path).sort()).toEqual(['date', 'description', 'place', 'time', 'timezone', 'title']);
  });

  it.each([
    ['date', '2020-1-1'],
    ['date', '2021-02-29'],
    ['date', '1899-12-31'],
    ['time', '20:50'],
    ['time', '25:00:00'],
    ['time', '23:59:60'],
    ['title', 'x'.repeat(61)],
    ['title', 'bad\u0000nul'],
    ['title', 'lone \ud800 surrogate'],
    ['description', 'too short'],
    ['organizer', 'x'.repeat(51)],
    ['topics', 'x'.repeat(51)],
    ['timezone', 'Nowhere/City'],
    ['timezone', 'europe/madrid'],
    ['timezone', '+01:00'],
    ['timezone', 5],
  ])('rejects %s = %j with 422', async (field, value) => {
    const response = await app.request('/eventpost/events', { method: 'POST', json: eventBody({ [field]: value }) });
    expect(response.status).toBe(422);
    expect((await errorOf(response)).details).toEqual([expect.objectContaining({ path: field })]);
  });

  it('counts code points, ignores unknown and read-only fields, defaults nulls', async () => {
    const body = await createEvent(app, {
      title: '🎷'.repeat(60),
      id: 'ffffffffffffffffffffffff',
      version: 99,
      unknown: true,
      place: null,
      organizer: null,
      topics: null,
      timezone: null,
    });
    expect(body.id).not.toBe('ffffffffffffffffffffffff');
    expect(body).toMatchObject({ title: '🎷'.repeat(60), version: 1, place: '', organizer: '', topics: '', timezone: 'UTC', starts_at: '2026-12-12T20:50:12Z' });
    expect(body).not.toHaveProperty('unknown');
  });

  it('keeps the zone name as sent and resolves DST gaps and overlaps', async () => {
    expect((await createEvent(app, { timezone: 'Asia/Kolkata', date: '2026-06-01', time: '10:00:00' })).starts_at).toBe('2026-06-01T04:30:00Z');
    expect((await createEvent(app, { timezone: 'Asia/Calcutta', date: '2026-06-01', time: '10:00:00' })).timezone).toBe('Asia/Calcutta');
    expect((await createEvent(app, { timezone: 'US/Pacific', date: '2026-06-01', time: '10:00:00' })).starts_at).toBe('2026-06-01T17:00:00Z');
    // Europe/Madrid skips 02:00–03:00 on 2026-03-29: 02:30 moves forward to 03:30 CEST.
    expect((await createEvent(app, { date: '2026-03-29', time: '02:30:00' })).starts_at).toBe('2026-03-29T01:30:00Z');
    // 02:30 happens twice on 2026-10-25: the earlier (CEST) instant.
    expect((await createEvent(app, { date: '2026-10-25', time: '02:30:00' })).starts_at).toBe('2026-10-25T00:30:00Z');
  });

  it('PUT replaces the whole record, bumps the version and resets omitted optional fields', async () => {
    const created = await createEvent(app);
    const response = await app.request(`/eventpost/events/${created.id}`, {
      method: 'PUT',
      json: { title: 'Renamed', description: created.description, date: '2027-01-02', time: '10:00:00' },
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ id: created.id, title: 'Renamed', version: 2, place: '', timezone: 'UTC', starts_at: '2027-01-02T10:00:00Z' });
    expect(body.created_at).toBe(created.created_at);
    const again = await app.request(`/eventpost/events/${created.id}`, { method: 'PUT', json: body });
    expect((await again.json()).version).toBe(3);
    const read = await app.request(`/eventpost/events/${created.id}`);
    expect(read.headers.get('etag')).toBe(again.headers.get('etag'));
  });

  it('PATCH merges, resets optional fields on null and rejects null for required ones', async () => {
    const created = await createEvent(app);
    const patched = await app.request(`/eventpost/events/${created.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      json: { title: 'Patched', place: null },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ title: 'Patched', place: '', organizer: 'Carlos', version: 2 });
    const bad = await app.request(`/eventpost/events/${created.id}`, { method: 'PATCH', json: { title: null, time: '99:00:00' } });
    expect(bad.status).toBe(422);
    expect((await errorOf(bad)).details.map((d: { path: string }) => d.path).sort()).toEqual(['time', 'title']);
    const unchanged = await app.request(`/eventpost/events/${created.id}`);
    expect((await unchanged.json()).version).toBe(2);
  });

  it('DELETE returns the record; afterwards the id is 404 for every verb', async () => {
    const created = await createEvent(app);
    const deleted = await app.request(`/eventpost/events/${created.id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect((await deleted.json()).id).toBe(created.id);
    expect((await app.request(`/eventpost/events/${created.id}`)).status).toBe(404);
    expect((await app.request(`/eventpost/events/${created.id}`, { method: 'PUT', json: eventBody() })).status).toBe(404);
    expect((await app.request(`/eventpost/events/${created.id}`, { method: 'PATCH', json: {} })).status).toBe(404);
    expect((await app.request(`/eventpost/events/${created.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it.each(['xyz', '0123456789abcdef012345678', '%00', '%zz', '0123456789ABCDEF01234567', 'aaaaaaaaaaaaaaaaaaaaaaaa'])(
    'answers 404 for id %s on GET, PUT, PATCH, DELETE and .ics',
    async (id) => {
      for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
        const response = await app.request(`/eventpost/events/${id}`, method === 'GET' || method === 'DELETE' ? { method } : { method, json: eventBody() });
        expect(response.status, method).toBe(404);
        expect((await errorOf(response)).code).toBe('not_found');
        if (method === 'GET') expect(response.headers.get('cache-control')).toBe('no-cache');
      }
      expect((await app.request(`/eventpost/events/${id}.ics`)).status).toBe(404);
    },
  );

  it('answers 405 with Allow for a known path and 404 for an unknown one', async () => {
    const collection = await app.request('/eventpost/events', { method: 'DELETE' });
    expect(collection.status).toBe(405);
    expect(collection.headers.get('allow')).toBe('GET, HEAD, POST');
    expect((await errorOf(collection)).code).toBe('method_not_allowed');
    const item = await app.request('/eventpost/events/aaaaaaaaaaaaaaaaaaaaaaaa', { method: 'POST', json: {} });
    expect(item.status).toBe(405);
    expect(item.headers.get('allow')).toBe('GET, HEAD, PUT, PATCH, DELETE');
    const unknown = await app.request('/eventpost/nothing-here');
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('not_found');
  });

  it('answers HEAD wherever GET is answered', async () => {
    const created = await createEvent(app);
    const head = await app.request(`/eventpost/events/${created.id}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toMatch(/^"/);
    expect(await head.text()).toBe('');
    expect((await app.request('/eventpost/events', { method: 'HEAD' })).status).toBe(200);
    expect((await app.request('/eventpost/notifications', { method: 'HEAD' })).status).toBe(200);
  });
});
