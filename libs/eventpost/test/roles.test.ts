import { startSmtpSink, startTestApp, waitFor, type SmtpSink, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventpostModule } from '../src';
import { createNotification, secondsFromNow } from './fixtures';

describe('API and worker processes sharing Redis (ROLE=api + ROLE=worker)', () => {
  let sink: SmtpSink;
  let api: TestApp;
  let worker: TestApp | undefined;
  beforeAll(async () => {
    sink = await startSmtpSink();
    api = await startTestApp({ modules: [createEventpostModule], workers: false });
  });
  afterAll(async () => {
    await worker?.close();
    await api.close();
    await sink.close();
  });

  it('delivers through the worker process and the API process never serves the cached pre-send state', async () => {
    const created = await createNotification(api, { to_mail: 'roles@example.com', scheduled_time: secondsFromNow(2) });
    const path = `/eventpost/notifications/${created.id}`;
    expect((await (await api.request(path)).json()).status).toBe('scheduled');
    expect((await (await api.request(path)).json()).status).toBe('scheduled'); // now cached
    // Started only now, so that nothing can send the notification before the API has cached it.
    worker = await startTestApp({ modules: [createEventpostModule], env: { SMTP_URL: sink.url }, redisPrefix: api.redisPrefix });
    await sink.waitForMessage((mail) => mail.headers.get('x-eventpost-notification-id') === created.id);
    const sent = await waitFor(async () => {
      const body = await (await api.request(path)).json();
      return body.status === 'sent' && body;
    });
    expect(sent).toMatchObject({ attempts: 1, version: 3 });
    const list = await (await api.request('/eventpost/notifications?to_mail=roles@example.com')).json();
    expect(list.map((n: { status: string }) => n.status)).toEqual(['sent']);
  });
});
