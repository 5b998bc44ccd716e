import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { startSmtpSink, startTestApp, waitFor, type SmtpSink, type TestApp } from '@platform/platform/testing';
import type { ParsedMail } from 'mailparser';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSantaModule } from '../src';
import { call, createGroup, draw, join, metricValue } from './helpers';

let sink: SmtpSink;
let app: TestApp;
beforeAll(async () => {
  sink = await startSmtpSink();
  app = await startTestApp({ modules: [createSantaModule], env: { SMTP_URL: sink.url, MAIL_FROM: 'Santa <santa@example.org>', SANTA_INVITES_PER_HOUR: '4' } });
});
afterAll(async () => {
  await app.close();
  await sink.close();
});

const to = (address: string, kind: string) => (mail: ParsedMail) =>
  mail.to !== undefined && JSON.stringify(mail.to).includes(address) && (mail.subject ?? '').toLowerCase().includes(kind);
const linkIn = (mail: ParsedMail) => /\/santa\/g\/([A-Za-z0-9_-]{43})/.exec(mail.text ?? '')![1]!;

async function emails(test: TestApp, group: { id: string; admin: { token: string } }) {
  return (await call(test, `/groups/${group.id}/emails`, group.admin.token)).body.emails as { id: number; kind: string; status: string; attempts: number; last_error: string | null; sent_at: string | null }[];
}

describe('e-mails over SMTP', () => {
  it('mails the creator and joiners their own link; following it signs them in', async () => {
    const sentLinks = 'santa_emails_total{kind="link",status="sent"}';
    const before = await metricValue(app, sentLinks);
    const group = await createGroup(app, { admin_email: 'ann@example.org', name: 'Office <b>' });
    const mail = await sink.waitForMessage(to('ann@example.org', 'your link'));
    expect(mail.from?.text).toContain('santa@example.org');
    const token = linkIn(mail);
    expect(token).not.toBe(group.admin.token);
    expect((await call(app, '/me', token)).body.member.id).toBe(group.admin.id);
    expect(mail.html).toContain('Office &lt;b&gt;');
    await join(app, group, 'Bob', 'bob@example.org');
    const bobMail = await sink.waitForMessage(to('bob@example.org', 'your link'));
    expect((await call(app, '/me', linkIn(bobMail))).body.member.name).toBe('Bob');
    const statuses = await waitFor(async () => {
      const list = await emails(app, group);
      return list.every((e) => e.status === 'sent') && list;
    });
    expect(statuses.map((e) => e.kind)).toEqual(['link', 'link']);
    const counted = await waitFor(async () => {
      const delta = (await metricValue(app, sentLinks)) - before;
      return delta >= 2 && delta;
    });
    expect(counted).toBe(2);
    const bodies = await sql<{ body: unknown }>`SELECT body FROM santa.outbox WHERE group_id = ${group.id}`.execute(app.platform.deps.db);
    expect(bodies.rows.every((row) => row.body === null)).toBe(true);
  });

  it('invites added members by e-mail only, mails every participant at the draw without naming giftees, and the giver whose giftee changed', async () => {
    const group = await createGroup(app, { admin_email: 'org@example.org' });
    const added = [];
    for (const name of ['Cat', 'Dan']) {
      const response = await call(app, `/groups/${group.id}/members`, group.admin.token, { method: 'POST', json: { name, email: `${name.toLowerCase()}@example.org` } });
      expect(response.status).toBe(201);
      expect(Object.keys(response.body.member).sort()).toEqual(['has_email', 'id', 'joined_at', 'name', 'participating', 'role']);
      expect(JSON.stringify(response.body)).not.toMatch(/[A-Za-z0-9_-]{43}/);
      added.push(response.body.member);
    }
    const invitation = await sink.waitForMessage(to('cat@example.org', 'invited'));
    const catToken = linkIn(invitation);
    expect((await call(app, '/me', catToken)).body.member.name).toBe('Cat');
    const duplicate = await call(app, `/groups/${group.id}/members`, group.admin.token, { method: 'POST', json: { name: 'cat', email: 'x@example.org' } });
    expect([duplicate.status, duplicate.body.error.code]).toEqual([409, 'name_taken']);

    await draw(app, group);
    for (const address of ['org@example.org', 'cat@example.org', 'dan@example.org']) {
      const mail = await sink.waitForMessage(to(address, 'drawn'));
      const giftee = await call(app, `/groups/${group.id}/assignment`, linkIn(mail));
      expect(giftee.status).toBe(200);
      expect(mail.text).not.toContain(giftee.body.giftee.name);
      expect(mail.html).not.toContain(giftee.body.giftee.name);
    }

    const late = await call(app, `/groups/${group.id}/members`, group.admin.token, { method: 'POST', json: { name: 'Eve', email: 'eve@example.org' } });
    const detail = await sql<{ giver_id: string }>`SELECT giver_id FROM santa.draw_changes WHERE member_id = ${late.body.member.id}`.execute(app.platform.deps.db);
    const giver = [{ id: group.admin.id, email: 'org@example.org' }, ...added.map((m, i) => ({ id: m.id, email: ['cat@example.org', 'dan@example.org'][i]! }))].find(
      (m) => m.id === detail.rows[0]!.giver_id,
    )!;
    const change = await sink.waitForMessage(to(giver.email, 'changed'));
    const view = await call(app, `/groups/${group.id}/assignment`, linkIn(change));
    expect(view.body.giftee.name).toBe('Eve');
    expect(change.text).not.toContain('Eve');
  });

  it('resends a link as a new token while old ones stay valid; 409 without an address; 429 past the hourly limit', async () => {
    const group = await createGroup(app);
    const bob = await join(app, group, 'Bob', 'bob2@example.org');
    const silent = await join(app, group, 'Cy');
    const resent = await call(app, `/groups/${group.id}/members/${bob.id}/resend-link`, group.admin.token, { method: 'POST' });
    expect(resent.status).toBe(202);
    expect(resent.body.email_id).toEqual(expect.any(Number));
    const mail = await sink.waitForMessage(to('bob2@example.org', 'invited'));
    expect(linkIn(mail)).not.toBe(bob.token);
    expect((await call(app, '/me', linkIn(mail))).status).toBe(200);
    expect((await call(app, '/me', bob.token)).status).toBe(200);
    const noEmail = await call(app, `/groups/${group.id}/members/${silent.id}/resend-link`, group.admin.token, { method: 'POST' });
    expect(noEmail.status).toBe(409);
    expect(noEmail.body.error.code).toBe('no_email');
    for (const id of [crypto.randomUUID(), 'nope']) {
      const unknown = await call(app, `/groups/${group.id}/members/${id}/resend-link`, group.admin.token, { method: 'POST' });
      expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not_found']);
    }
    for (let i = 0; i < 3; i++) await call(app, `/groups/${group.id}/members/${bob.id}/resend-link`, group.admin.token, { method: 'POST' });
    const limited = await call(app, `/groups/${group.id}/members/${bob.id}/resend-link`, group.admin.token, { method: 'POST' });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const addLimited = await call(app, `/groups/${group.id}/members`, group.admin.token, { method: 'POST', json: { name: 'Zed', email: 'zed@example.org' } });
    expect(addLimited.status).toBe(429);
    expect(addLimited.body.error.code).toBe('rate_limited');
    const names = (await call(app, `/groups/${group.id}/members`, group.admin.token)).body.members.map((m: { name: string }) => m.name);
    expect(names).not.toContain('Zed');
  });
});

describe('the hourly invitation limit', () => {
  it('counts only invitations that are written: a refused add takes no slot, across gateway processes too', async () => {
    const env = { SANTA_INVITES_PER_HOUR: '2' };
    const first = await startTestApp({ modules: [createSantaModule], env });
    const second = await startTestApp({ modules: [createSantaModule], env, redisPrefix: first.redisPrefix });
    try {
      const add = (test: TestApp, group: { id: string; admin: { token: string } }, name: string) =>
        call(test, `/groups/${group.id}/members`, group.admin.token, { method: 'POST', json: { name, email: `${name.toLowerCase()}@example.org` } });
      const group = await createGroup(first);
      const duplicate = await add(first, group, 'ann');
      expect([duplicate.status, duplicate.body.error.code]).toEqual([409, 'name_taken']);
      expect((await add(second, group, 'Bob')).status).toBe(201);
      expect((await add(first, group, 'Cy')).status).toBe(201);
      const limited = await add(second, group, 'Dee');
      expect([limited.status, limited.body.error.code]).toEqual([429, 'rate_limited']);
      const names = (await call(first, `/groups/${group.id}/members`, group.admin.token)).body.members.map((m: { name: string }) => m.name);
      expect(names).toEqual(['Ann', 'Bob', 'Cy']);

      const racing = await createGroup(first);
      const results = await Promise.all(['Eve', 'Fay', 'Gus', 'Hal'].map((name, i) => add(i % 2 ? second : first, racing, name)));
      expect(results.map((r) => r.status).sort()).toEqual([201, 201, 429, 429]);
      const listed = await call(first, `/groups/${racing.id}/members`, racing.admin.token);
      expect(listed.body.members).toHaveLength(3);
    } finally {
      await second.close();
      await first.close();
    }
  });
});

describe('delivery failures', () => {
  async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  it('keeps the row queued after a refused connection and delivers on a retry', async () => {
    const port = await freePort();
    const test = await startTestApp({
      modules: [createSantaModule],
      env: { SMTP_URL: `smtp://127.0.0.1:${port}`, SANTA_EMAIL_BACKOFF_MS: '1500', SANTA_EMAIL_ATTEMPTS: '4' },
    });
    let proxy: Server | undefined;
    try {
      const group = await createGroup(test, { admin_email: 'retry@example.org' });
      const first = await waitFor(async () => (await emails(test, group)).find((e) => e.attempts >= 1));
      expect(first).toMatchObject({ status: 'queued', attempts: 1, last_error: expect.stringMatching(/ECONNREFUSED/) });
      const target = new URL(sink.url);
      proxy = createServer((socket) => {
        const upstream = connect(Number(target.port), target.hostname);
        socket.pipe(upstream).pipe(socket);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
      });
      await new Promise<void>((resolve) => proxy!.listen(port, '127.0.0.1', resolve));
      await sink.waitForMessage(to('retry@example.org', 'your link'), 15_000);
      const sent = await waitFor(async () => (await emails(test, group)).find((e) => e.status === 'sent'), { timeoutMs: 10_000 });
      expect(sent.attempts).toBe(2);
      expect(sent.sent_at).toMatch(/Z$/);
    } finally {
      await test.close();
      await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
    }
  });

  it('marks a row failed after SANTA_EMAIL_ATTEMPTS and counts it; without SMTP it is not_sent', async () => {
    const port = await freePort();
    const failing = await startTestApp({ modules: [createSantaModule], env: { SMTP_URL: `smtp://127.0.0.1:${port}`, SANTA_EMAIL_BACKOFF_MS: '20', SANTA_EMAIL_ATTEMPTS: '2' } });
    const noSmtp = await startTestApp({ modules: [createSantaModule] });
    try {
      const group = await createGroup(failing, { admin_email: 'fail@example.org' });
      const failed = await waitFor(async () => (await emails(failing, group)).find((e) => e.status === 'failed'));
      expect(failed.attempts).toBe(2);
      // The worker counts the failure after its update returns; the read above can see the row first.
      expect(await waitFor(async () => (await metricValue(failing, 'santa_emails_total{kind="link",status="failed"}')) || undefined)).toBe(1);

      const quiet = await createGroup(noSmtp, { admin_email: 'quiet@example.org' });
      const held = await waitFor(async () => (await emails(noSmtp, quiet)).find((e) => e.status === 'not_sent'));
      expect(held.last_error).toBe('no SMTP configured');
      expect(await waitFor(async () => (await metricValue(noSmtp, 'santa_emails_total{kind="link",status="not_sent"}')) || undefined)).toBe(1);
    } finally {
      await failing.close();
      await noSmtp.close();
    }
  });

  it('re-queues rows left queued for over a minute (a lost dispatch)', async () => {
    const producer = await startTestApp({ modules: [createSantaModule], env: { SMTP_URL: sink.url }, workers: false });
    try {
      const group = await createGroup(producer, { admin_email: 'lost@example.org' });
      const [row] = await emails(producer, group);
      await producer.platform.deps.queues.queue('santa.email').remove(`outbox-${row!.id}`);
      await sql`UPDATE santa.outbox SET created_at = now() - interval '2 minutes' WHERE id = ${row!.id}`.execute(producer.platform.deps.db);
      const worker = await startTestApp({ modules: [createSantaModule], env: { SMTP_URL: sink.url }, redisPrefix: producer.redisPrefix });
      try {
        const requeue = worker.modules[0]!.workers![0]!;
        await requeue.processor({ name: 'requeue', data: {} } as never, undefined);
        await sink.waitForMessage(to('lost@example.org', 'your link'));
      } finally {
        await worker.close();
      }
    } finally {
      await producer.close();
    }
  });
});
