import { randomBytes } from 'node:crypto';
import { dropDatabase, ensureDatabaseExists } from '@platform/platform';
import { startSmtpSink, startTestApp, testContext, waitFor, type SmtpSink, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventpostModule } from '../src';

describe('delivery reconciler', () => {
  let sink: SmtpSink;
  let migrated: TestApp;
  let app: TestApp | undefined;
  // A database of its own: the reconciler takes every scheduled row it sees, and other files' apps share the run's.
  const databaseUrl = new URL(testContext().databaseUrl);
  const databaseName = `${databaseUrl.pathname.slice(1)}_reconcile`;
  databaseUrl.pathname = `/${databaseName}`;
  const env = { DATABASE_URL: databaseUrl.toString() };
  beforeAll(async () => {
    await ensureDatabaseExists(env.DATABASE_URL);
    sink = await startSmtpSink();
    migrated = await startTestApp({ modules: [createEventpostModule], workers: false, env });
  });
  afterAll(async () => {
    await app?.close();
    await migrated.close();
    await sink.close();
    await dropDatabase(testContext().databaseUrl, databaseName);
  });

  const insertRow = async (to: string, status: string, updatedAt: Date) => {
    const id = randomBytes(12).toString('hex');
    await migrated.platform.deps.db
      .withSchema('eventpost')
      .insertInto('notifications')
      .values({
        id,
        subject: 'Reconciled reminder',
        content: 'This row was written without a delivery job and must still go out.',
        to_mail: to,
        scheduled_time: new Date(Date.now() - 5_000),
        status,
        updated_at: updatedAt,
      })
      .execute();
    return id;
  };

  it('at start-up, enqueues scheduled rows that lack a job and retries rows stuck in sending', async () => {
    const lost = `lost-${randomBytes(4).toString('hex')}@example.com`;
    const stuck = `stuck-${randomBytes(4).toString('hex')}@example.com`;
    const fresh = `fresh-${randomBytes(4).toString('hex')}@example.com`;
    const lostId = await insertRow(lost, 'scheduled', new Date(Date.now() - 2 * 60_000));
    // Written a moment ago: its own enqueue may still be in flight, so the reconciler leaves it for later.
    const recent = `recent-${randomBytes(4).toString('hex')}@example.com`;
    await insertRow(recent, 'scheduled', new Date());
    const stuckId = await insertRow(stuck, 'sending', new Date(Date.now() - 10 * 60_000));
    await insertRow(fresh, 'sending', new Date());
    app = await startTestApp({ modules: [createEventpostModule], env: { ...env, SMTP_URL: sink.url }, redisPrefix: migrated.redisPrefix });
    const byRecipient = (to: string) => sink.messages.filter((m) => m.to && 'text' in m.to && m.to.text === to);
    await waitFor(() => byRecipient(lost).length === 1 && byRecipient(stuck).length === 1, { timeoutMs: 15_000 });
    for (const id of [lostId, stuckId]) {
      const row = await waitFor(async () => {
        const body = await (await app!.request(`/eventpost/notifications/${id}`)).json();
        return body.status === 'sent' && body;
      });
      expect(row.attempts).toBe(1);
    }
    // A row that only just entered `sending` belongs to a live worker and is left alone.
    expect(byRecipient(fresh)).toHaveLength(0);
    expect(byRecipient(recent)).toHaveLength(0);
  });
});
