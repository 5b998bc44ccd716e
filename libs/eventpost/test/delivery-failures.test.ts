import { randomBytes } from 'node:crypto';
import { startSmtpSink, startTestApp, waitFor, type SmtpSink, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventpostModule } from '../src';
import { createNotification, secondsFromNow } from './fixtures';

describe.concurrent('delivery failures, retries and backoff', () => {
  let smtp: SmtpSink;
  let app: TestApp;
  let noSmtp: TestApp;
  let refused: TestApp;
  beforeAll(async () => {
    smtp = await startSmtpSink({
      refuseRecipient: (recipient, attempt) => {
        if (recipient.startsWith('flaky-') && attempt <= 2) return [451, '4.3.0 Try again later'];
        if (recipient.startsWith('down-')) return [452, '4.3.1 Insufficient system storage'];
        if (recipient.startsWith('gone-')) return [550, '5.1.1 No such user here'];
        return undefined;
      },
    });
    const env = { SMTP_URL: smtp.url, EVENTPOST_SEND_ATTEMPTS: '3', EVENTPOST_SEND_BACKOFF_MS: '300' };
    app = await startTestApp({ modules: [createEventpostModule], env });
    noSmtp = await startTestApp({ modules: [createEventpostModule] });
    // Port 9 (discard) has no listener here: every connection is refused.
    refused = await startTestApp({ modules: [createEventpostModule], env: { ...env, SMTP_URL: 'smtp://127.0.0.1:9' } });
  });
  afterAll(async () => {
    await refused.close();
    await noSmtp.close();
    await app.close();
    await smtp.close();
  });

  const address = (kind: string) => `${kind}-${randomBytes(5).toString('hex')}@example.com`;
  const settled = (target: TestApp, id: string) =>
    waitFor(
      async () => {
        const body = await (await target.request(`/eventpost/notifications/${id}`)).json();
        return ['sent', 'failed'].includes(body.status) && body;
      },
      { timeoutMs: 20_000 },
    );

  it('retries 4xx replies with backoff and sends on a later attempt', async () => {
    const to = address('flaky');
    const started = Date.now();
    const created = await createNotification(app, { to_mail: to, scheduled_time: secondsFromNow(0) });
    const row = await settled(app, created.id);
    expect(row).toMatchObject({ status: 'sent', attempts: 3, last_error: null });
    expect(smtp.attempts.get(to)).toBe(3);
    // Backoff 300 ms then 600 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(smtp.messages.filter((m) => m.to && 'text' in m.to && m.to.text === to)).toHaveLength(1);
  });

  it('marks a notification failed after EVENTPOST_SEND_ATTEMPTS transient failures', async () => {
    const to = address('down');
    const created = await createNotification(app, { to_mail: to, scheduled_time: secondsFromNow(0) });
    const row = await settled(app, created.id);
    expect(row).toMatchObject({ status: 'failed', attempts: 3, sent_at: null });
    expect(row.last_error).toContain('452');
    expect(smtp.attempts.get(to)).toBe(3);
  });

  it('fails at once on a permanent 5xx reply', async () => {
    const to = address('gone');
    const created = await createNotification(app, { to_mail: to, scheduled_time: secondsFromNow(0) });
    const row = await settled(app, created.id);
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row.last_error).toContain('550');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(smtp.attempts.get(to)).toBe(1);
  });

  it('retries connection errors and keeps the error text', async () => {
    const created = await createNotification(refused, { scheduled_time: secondsFromNow(0) });
    const row = await settled(refused, created.id);
    expect(row).toMatchObject({ status: 'failed', attempts: 3, sent_at: null });
    expect(row.last_error).toMatch(/ECONNREFUSED/);
  });

  it('fails due notifications with not_sent when SMTP_URL is unset', async () => {
    const created = await createNotification(noSmtp, { scheduled_time: secondsFromNow(0) });
    const row = await settled(noSmtp, created.id);
    expect(row).toMatchObject({ status: 'failed', attempts: 0, last_error: 'not_sent: no SMTP configured' });
  });

  it('counts failures in eventpost_notifications_total', async () => {
    const created = await createNotification(app, { to_mail: address('gone'), scheduled_time: secondsFromNow(0) });
    await settled(app, created.id);
    const text = await (await app.request('/metrics')).text();
    expect(text).toMatch(/^eventpost_notifications_total\{status="failed"\} [1-9]/m);
  });
});
