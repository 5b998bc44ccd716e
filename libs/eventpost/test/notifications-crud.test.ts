import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventpostModule } from '../src';
import { createEvent, createNotification, errorOf, notificationBody, secondsFromNow } from './fixtures';

describe('notifications CRUD', () => {
  let app: TestApp;
  beforeAll(async () => {
    // No workers: these tests look at the records, not at delivery.
    app = await startTestApp({ modules: [createEventpostModule], workers: false });
  });
  afterAll(() => app.close());

  const setStatus = (id: string, status: string) =>
    app.platform.deps.db.withSchema('eventpost').updateTable('notifications').set({ status }).where('id', '=', id).execute();

  it('creates a notification with the seed wire shape', async () => {
    const response = await app.request('/eventpost/notifications', { method: 'POST', json: notificationBody({ id: 'ffffffffffffffffffffffff', status: 'sent' }) });
    expect(response.status).toBe(201);
    const body = await response.json();
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      subject: 'Reminder: jazz night',
      content: 'Do not forget the jazz night tomorrow evening, bring friends.',
      to_mail: 'someone@example.com',
      scheduled_time: '2030-01-01T08:00:00Z',
      event_id: null,
      status: 'scheduled',
      attempts: 0,
      last_error: null,
      sent_at: null,
      version: 1,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(body.id).not.toBe('ffffffffffffffffffffffff');
    expect(response.headers.get('location')).toBe(`/eventpost/notifications/${body.id}`);
    const read = await app.request(`/eventpost/notifications/${body.id}`);
    expect(read.headers.get('cache-control')).toBe('private, no-cache');
    expect(read.headers.get('etag')).toBe(response.headers.get('etag'));
  });

  it.each([
    ['2030-01-01T08:00:00', '2030-01-01T08:00:00Z'],
    ['2030-01-01T08:00:00.987654Z', '2030-01-01T08:00:00Z'],
    ['2030-01-01T09:30:00+01:30', '2030-01-01T08:00:00Z'],
    ['2029-12-31T23:00:00-09:00', '2030-01-01T08:00:00Z'],
  ])('reads scheduled_time %s as %s', async (sent, stored) => {
    expect((await createNotification(app, { scheduled_time: sent })).scheduled_time).toBe(stored);
  });

  it.each([
    ['to_mail', 'notamail@mail'],
    ['to_mail', `${'a'.repeat(250)}@b.com`],
    ['subject', 'too short'],
    ['subject', 'x'.repeat(71)],
    ['content', 'too short'],
    ['scheduled_time', '2030-01-01T08:00'],
    ['scheduled_time', '2030-02-30T08:00:00Z'],
    ['scheduled_time', 'tomorrow'],
    ['scheduled_time', '9999-12-31T23:00:00-05:00'],
    ['event_id', 'aaaaaaaaaaaaaaaaaaaaaaaa'],
    ['event_id', 'not-an-id'],
    ['event_id', 12],
  ])('rejects %s = %j with 422', async (field, value) => {
    const response = await app.request('/eventpost/notifications', { method: 'POST', json: notificationBody({ [field]: value }) });
    expect(response.status).toBe(422);
    expect((await errorOf(response)).details).toEqual([expect.objectContaining({ path: field })]);
  });

  it('rejects a time more than 60 s in the past, accepts one up to 60 s in the past', async () => {
    const past = await app.request('/eventpost/notifications', { method: 'POST', json: notificationBody({ scheduled_time: secondsFromNow(-120) }) });
    expect(past.status).toBe(422);
    const error = await errorOf(past);
    expect(error.code).toBe('scheduled_time_in_past');
    expect(error.details).toEqual([expect.objectContaining({ path: 'scheduled_time', code: 'scheduled_time_in_past' })]);
    const both = await app.request('/eventpost/notifications', {
      method: 'POST',
      json: notificationBody({ scheduled_time: secondsFromNow(-120), subject: 'short', event_id: 'aaaaaaaaaaaaaaaaaaaaaaaa' }),
    });
    const bothError = await errorOf(both);
    expect(bothError.code).toBe('validation_failed');
    expect(bothError.details.map((d: { path: string }) => d.path).sort()).toEqual(['event_id', 'scheduled_time', 'subject']);
    expect(bothError.details.find((d: { path: string }) => d.path === 'scheduled_time').code).toBe('scheduled_time_in_past');
    expect((await createNotification(app, { scheduled_time: secondsFromNow(-30) })).status).toBe('scheduled');
  });

  it('links to an existing event', async () => {
    const event = await createEvent(app);
    expect((await createNotification(app, { event_id: event.id })).event_id).toBe(event.id);
  });

  it('PUT and PATCH update, bump the version and check scheduled_time only when it changes', async () => {
    const created = await createNotification(app, { scheduled_time: secondsFromNow(5) });
    const path = `/eventpost/notifications/${created.id}`;
    // An unchanged time that has since fallen into the past is not re-checked.
    await app.platform.deps.db
      .withSchema('eventpost')
      .updateTable('notifications')
      .set({ scheduled_time: new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000) })
      .where('id', '=', created.id)
      .execute();
    const current = await (await app.request(path)).json();
    const put = await app.request(path, { method: 'PUT', json: { ...current, subject: 'A brand new subject' } });
    expect(put.status, await put.clone().text()).toBe(200);
    expect(await put.json()).toMatchObject({ subject: 'A brand new subject', version: 2 });
    const moved = await app.request(path, { method: 'PATCH', json: { scheduled_time: secondsFromNow(-300) } });
    expect(moved.status).toBe(422);
    expect((await errorOf(moved)).code).toBe('scheduled_time_in_past');
    const nulled = await app.request(path, { method: 'PATCH', json: { content: null } });
    expect(nulled.status).toBe(422);
  });

  it('answers 409 to a write while the notification is sending', async () => {
    const created = await createNotification(app);
    await setStatus(created.id, 'sending');
    const response = await app.request(`/eventpost/notifications/${created.id}`, { method: 'PATCH', json: { subject: 'Changed while sending' } });
    expect(response.status).toBe(409);
    expect((await errorOf(response)).code).toBe('conflict');
  });

  it.each(['sent', 'failed', 'cancelled'])('re-arms a %s notification when scheduled_time changes', async (status) => {
    const created = await createNotification(app);
    await app.platform.deps.db
      .withSchema('eventpost')
      .updateTable('notifications')
      .set({ status, attempts: 3, last_error: '451 try later', sent_at: status === 'sent' ? new Date() : null })
      .where('id', '=', created.id)
      .execute();
    const path = `/eventpost/notifications/${created.id}`;
    const unchanged = await (await app.request(path, { method: 'PATCH', json: { subject: 'Only the subject changes' } })).json();
    expect(unchanged.status).toBe(status);
    const rearmed = await (await app.request(path, { method: 'PATCH', json: { scheduled_time: '2031-01-01T00:00:00Z' } })).json();
    expect(rearmed).toMatchObject({ status: 'scheduled', attempts: 0, last_error: null, sent_at: null, scheduled_time: '2031-01-01T00:00:00Z' });
  });

  it('DELETE shows a scheduled notification as cancelled and removes it', async () => {
    const created = await createNotification(app);
    const path = `/eventpost/notifications/${created.id}`;
    const deleted = await app.request(path, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect((await deleted.json()).status).toBe('cancelled');
    expect((await app.request(path)).status).toBe(404);
    expect((await app.request(path, { method: 'DELETE' })).status).toBe(404);
  });

  it('deleting an event cancels its scheduled notifications and unlinks all of them', async () => {
    const event = await createEvent(app);
    const scheduled = await createNotification(app, { event_id: event.id });
    const sent = await createNotification(app, { event_id: event.id });
    await setStatus(sent.id, 'sent');
    await app.request(`/eventpost/events/${event.id}`, { method: 'DELETE' });
    expect(await (await app.request(`/eventpost/notifications/${scheduled.id}`)).json()).toMatchObject({ status: 'cancelled', event_id: null, version: 2 });
    expect(await (await app.request(`/eventpost/notifications/${sent.id}`)).json()).toMatchObject({ status: 'sent', event_id: null });
  });

  it('never leaves a notification scheduled for an event deleted concurrently', async () => {
    for (let round = 0; round < 10; round++) {
      const event = await createEvent(app);
      const [created, deleted] = await Promise.all([
        app.request('/eventpost/notifications', { method: 'POST', json: notificationBody({ event_id: event.id }) }),
        app.request(`/eventpost/events/${event.id}`, { method: 'DELETE' }),
      ]);
      expect(deleted.status).toBe(200);
      if (created.status === 201) {
        const id = (await created.json()).id;
        expect(await (await app.request(`/eventpost/notifications/${id}`)).json()).toMatchObject({ status: 'cancelled', event_id: null });
      } else {
        expect(created.status).toBe(422);
        expect((await errorOf(created)).details).toEqual([expect.objectContaining({ path: 'event_id' })]);
      }
    }
  });

  it('filters by status, event_id and to_mail (exact, case-insensitive) with Link pagination', async () => {
    const mail = `list-${randomBytes(4).toString('hex')}@example.com`;
    const event = await createEvent(app);
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await createNotification(app, { to_mail: mail, scheduled_time: `2032-01-0${i + 1}T00:00:00Z`, event_id: i < 2 ? event.id : null }));
    await setStatus(made[4]!.id, 'failed');
    const upper = mail.toUpperCase();
    const byMail = await (await app.request(`/eventpost/notifications?to_mail=${upper}`)).json();
    expect(byMail.map((n: { id: string }) => n.id)).toEqual(made.map((n) => n.id));
    expect(await (await app.request(`/eventpost/notifications?to_mail=${mail.slice(1)}`)).json()).toEqual([]);
    expect((await (await app.request(`/eventpost/notifications?event_id=${event.id}`)).json()).length).toBe(2);
    expect((await (await app.request(`/eventpost/notifications?to_mail=${mail}&status=failed`)).json()).map((n: { id: string }) => n.id)).toEqual([made[4]!.id]);
    const first = await app.request(`/eventpost/notifications?to_mail=${mail}&limit=3`);
    const link = /^<([^>]+)>; rel="next"$/.exec(first.headers.get('link') ?? '')?.[1];
    expect(link).toBeDefined();
    const second = await app.request(link!);
    expect(second.headers.get('link')).toBeNull();
    expect([...(await first.json()), ...(await second.json())].map((n: { id: string }) => n.id)).toEqual(made.map((n) => n.id));
    const bad = await app.request('/eventpost/notifications?status=lost');
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).details).toEqual([expect.objectContaining({ path: 'status' })]);
  });
});
