import { randomBytes } from 'node:crypto';
import { startSmtpSink, startTestApp, waitFor, type SmtpSink, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventpostModule } from '../src';
import { createEvent, createNotification, secondsFromNow } from './fixtures';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.concurrent('notification delivery over SMTP', () => {
  let sink: SmtpSink;
  let app: TestApp;
  const received = new Map<string, number>();
  beforeAll(async () => {
    sink = await startSmtpSink();
    app = await startTestApp({
      modules: [createEventpostModule],
      env: { SMTP_URL: sink.url, MAIL_FROM: 'EventPost <reminders@eventpost.test>', PUBLIC_URL: 'https://events.example' },
    });
  });
  afterAll(async () => {
    await app.close();
    await sink.close();
  });

  const mailbox = () => `user-${randomBytes(5).toString('hex')}@example.com`;
  const mailsTo = (address: string) => sink.messages.filter((m) => m.to && 'text' in m.to && m.to.text === address);
  const arrival = async (address: string, timeoutMs = 10_000) => {
    const mail = await sink.waitForMessage((m) => m.to !== undefined && 'text' in m.to && m.to.text === address, timeoutMs);
    if (!received.has(address)) received.set(address, Date.now());
    return { mail, at: received.get(address)! };
  };
  const read = async (id: string) => (await app.request(`/eventpost/notifications/${id}`)).json();

  it('sends a due notification within 5 s with the headers and body the spec names', async () => {
    const to = mailbox();
    const written = Date.now();
    const created = await createNotification(app, { to_mail: to, scheduled_time: secondsFromNow(-10) });
    const { mail } = await arrival(to);
    expect(Date.now() - written).toBeLessThan(5_000 + 1_000);
    expect(mail.from?.value).toEqual([{ name: 'EventPost', address: 'reminders@eventpost.test' }]);
    expect(mail.subject).toBe('Reminder: jazz night');
    expect(mail.headers.get('x-eventpost-notification-id')).toBe(created.id);
    expect(mail.text?.trim()).toBe('Do not forget the jazz night tomorrow evening, bring friends.');
    const row = await waitFor(async () => {
      const body = await read(created.id);
      return body.status === 'sent' && body;
    });
    expect(row).toMatchObject({ attempts: 1, last_error: null, sent_at: expect.any(String), version: 3 });
  });

  it('hands the e-mail over not before scheduled_time', async () => {
    const to = mailbox();
    const due = new Date(Math.ceil((Date.now() + 2_500) / 1000) * 1000);
    await createNotification(app, { to_mail: to, scheduled_time: `${due.toISOString().slice(0, 19)}Z` });
    const { at } = await arrival(to);
    expect(at).toBeGreaterThanOrEqual(due.getTime());
    expect(at - due.getTime()).toBeLessThan(5_000);
  });

  it('ends the body of a linked notification with the event title, start and .ics link', async () => {
    const to = mailbox();
    const event = await createEvent(app, { title: 'Linked concert' });
    await createNotification(app, { to_mail: to, scheduled_time: secondsFromNow(0), event_id: event.id });
    const { mail } = await arrival(to);
    expect(mail.text?.trimEnd()).toMatch(
      new RegExp(`Linked concert\\nStarts: 2026-12-12T19:50:12Z\\nhttps://events\\.example/eventpost/events/${event.id}\\.ics$`),
    );
  });

  it('sends nothing after a DELETE', async () => {
    const to = mailbox();
    const due = secondsFromNow(5);
    const created = await createNotification(app, { to_mail: to, scheduled_time: due });
    const deleted = await app.request(`/eventpost/notifications/${created.id}`, { method: 'DELETE' });
    expect((await deleted.json()).status).toBe('cancelled');
    await sleep(Date.parse(due) + 3_000 - Date.now());
    expect(mailsTo(to)).toHaveLength(0);
  });

  it('sends nothing for a notification whose event was deleted', async () => {
    const to = mailbox();
    const event = await createEvent(app);
    const due = secondsFromNow(5);
    const created = await createNotification(app, { to_mail: to, scheduled_time: due, event_id: event.id });
    await app.request(`/eventpost/events/${event.id}`, { method: 'DELETE' });
    await sleep(Date.parse(due) + 3_000 - Date.now());
    expect(mailsTo(to)).toHaveLength(0);
    expect((await read(created.id)).status).toBe('cancelled');
  });

  it('sends exactly one e-mail, at the new time, after reschedules', async () => {
    const to = mailbox();
    const created = await createNotification(app, { to_mail: to, scheduled_time: secondsFromNow(5) });
    const path = `/eventpost/notifications/${created.id}`;
    await app.request(path, { method: 'PATCH', json: { scheduled_time: secondsFromNow(60) } });
    const finalTime = new Date(Math.ceil((Date.now() + 4_000) / 1000) * 1000);
    // Back and forth: an old job for an earlier schedule must not fire for the newest one.
    await app.request(path, { method: 'PATCH', json: { scheduled_time: `${finalTime.toISOString().slice(0, 19)}Z` } });
    const { at } = await arrival(to);
    expect(at).toBeGreaterThanOrEqual(finalTime.getTime());
    await sleep(2_000);
    expect(mailsTo(to)).toHaveLength(1);
    const row = await waitFor(async () => {
      const body = await read(created.id);
      return body.status !== 'sending' && body;
    });
    expect(row.status).toBe('sent');
  });

  it('sends a re-armed notification again', async () => {
    const to = mailbox();
    const created = await createNotification(app, { to_mail: to, scheduled_time: secondsFromNow(0) });
    await arrival(to);
    await waitFor(async () => (await read(created.id)).status === 'sent');
    await app.request(`/eventpost/notifications/${created.id}`, { method: 'PATCH', json: { scheduled_time: secondsFromNow(1) } });
    await waitFor(() => mailsTo(to).length === 2, { timeoutMs: 8_000 });
    // The SMTP server holds the mail a moment before the worker records the send.
    const row = await waitFor(async () => {
      const body = await read(created.id);
      return body.status !== 'sending' && body;
    });
    expect(row).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('counts status entries in eventpost_notifications_total', async () => {
    const to = mailbox();
    const metric = async (status: string) => {
      const text = await (await app.request('/metrics')).text();
      const line = text.split('\n').find((l) => l.startsWith(`eventpost_notifications_total{status="${status}"} `));
      return line ? Number(line.split(' ')[1]) : 0;
    };
    const sentBefore = await metric('sent');
    await createNotification(app, { to_mail: to, scheduled_time: secondsFromNow(0) });
    await arrival(to);
    await waitFor(async () => (await metric('sent')) > sentBefore);
    expect(await metric('scheduled')).toBeGreaterThan(0);
  });
});
