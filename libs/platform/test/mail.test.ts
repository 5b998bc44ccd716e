import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, startTcpProxy, startTestApp, waitFor, type SmtpSink, type TestApp } from '../src/testing';

async function outboxRow(app: TestApp, id: number) {
  return app.platform.deps.db.selectFrom('platform.mail_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function sendThroughOutbox(app: TestApp, to: string, subject: string): Promise<number> {
  const { db, mailer } = app.platform.deps;
  const id = await db.transaction().execute((trx) => mailer.enqueue(trx, { to, subject, text: `Hello ${to}`, html: `<p>Hello ${to}</p>` }));
  await mailer.dispatch([id]);
  return id;
}

describe('mail through the outbox and BullMQ', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(() => sink.close());

  it('delivers over real SMTP and marks the outbox row sent', async () => {
    const app = await startTestApp({ env: { SMTP_URL: sink.url, MAIL_FROM: 'Platform <platform@example.test>' } });
    try {
      const id = await sendThroughOutbox(app, 'ada@example.test', 'Welcome');
      const mail = await sink.waitForMessage((m) => m.subject === 'Welcome');
      expect(mail.from?.text).toContain('platform@example.test');
      expect(mail.text?.trim()).toBe('Hello ada@example.test');
      await waitFor(async () => (await outboxRow(app, id)).status === 'sent', { what: 'status sent' });
    } finally {
      await app.close();
    }
  });

  it('retries after a refused connection and sends exactly once', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(sink.url).port) });
    await proxy.cut();
    const app = await startTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${proxy.port}` } });
    try {
      const id = await sendThroughOutbox(app, 'bob@example.test', 'Retry me');
      await waitFor(async () => (await outboxRow(app, id)).attempts >= 1, { what: 'a failed attempt' });
      expect((await outboxRow(app, id)).last_error).toMatch(/ECONNREFUSED|connect/i);
      await proxy.restore();
      await sink.waitForMessage((m) => m.subject === 'Retry me', 15_000);
      await waitFor(async () => (await outboxRow(app, id)).status === 'sent', { what: 'status sent' });
      expect(sink.messages.filter((m) => m.subject === 'Retry me')).toHaveLength(1);
    } finally {
      await app.close();
      await proxy.close();
    }
  });

  it('without SMTP_URL the message stays in the outbox as held_no_smtp', async () => {
    const app = await startTestApp();
    try {
      expect(app.platform.deps.mailer.enabled).toBe(false);
      const id = await sendThroughOutbox(app, 'carol@example.test', 'Held');
      await waitFor(async () => (await outboxRow(app, id)).status === 'held_no_smtp', { what: 'status held_no_smtp' });
      expect(sink.messages.some((m) => m.subject === 'Held')).toBe(false);
    } finally {
      await app.close();
    }
  });
});
