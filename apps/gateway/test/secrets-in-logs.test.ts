import { Writable } from 'node:stream';
import { createLogger } from '@platform/platform';
import { startTestApp, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moduleFactories } from '../src/modules';

const PASSWORD = 'Corr3ct-Horse-Battery-Staple';
const WRITE_KEY = 'eye-write-key-0123456789abcdef';

describe('secrets never reach the logs', () => {
  const lines: string[] = [];
  let app: TestApp;
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    app = await startTestApp({ modules: moduleFactories, logger: createLogger('trace', 'gateway', sink), env: { EYE_WRITE_KEYS: `web:${WRITE_KEY}` } });
  });
  afterAll(() => app.close());

  it('passwords, bearer tokens, capability links and write keys are absent from every log line', async () => {
    const secrets: string[] = [PASSWORD, WRITE_KEY];
    const username = `logcheck_${Date.now()}`;
    expect((await app.request('/snackdrawer/auth/users', { json: { username, password: PASSWORD } })).status).toBe(201);
    const login = await app.request('/snackdrawer/auth/login', { json: { username, password: PASSWORD } });
    const { token } = await login.json();
    secrets.push(token);
    await app.request('/snackdrawer/auth/me', { headers: { 'x-access-token': token } });
    await app.request('/snackdrawer/auth/me', { headers: { authorization: `Bearer ${token}` } });
    await app.request('/snackdrawer/auth/login', { json: { username, password: `${PASSWORD}-wrong` } });

    const group = await app.request('/santa/groups', { json: { name: 'Log check', admin_name: 'Admin' } });
    const { admin_token: adminToken } = await group.json();
    secrets.push(adminToken);
    await app.request('/santa/me', { headers: { authorization: `Bearer ${adminToken}` } });
    await app.request(`/santa/g/${adminToken}`);
    await app.request(`/santa/g/${adminToken}/admin`);

    await app.request('/eye/events', {
      headers: { authorization: `Bearer ${WRITE_KEY}` },
      json: { session_id: 's', category: 'page', name: 'view', data: {}, timestamp: new Date().toISOString() },
    });
    await app.request('/eye/events', { headers: { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` }, json: {} });

    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(10);
    for (const secret of secrets) expect(log.includes(secret), `a log line contains ${secret.slice(0, 6)}…`).toBe(false);
  });
});
