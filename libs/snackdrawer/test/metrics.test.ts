import type { TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_OPERATIONS, DENIAL_REASONS, FAULT_KINDS } from '../src/metrics';
import { createDrawer, createSnack, signUpAndLogin, startSnackdrawer, type Session } from './helpers';
import { callEveryRoute } from './routes-tour';
import { promtool, scrape, total } from './scrape';

let app: TestApp;
let alice: Session;
let bob: Session;
beforeAll(async () => {
  app = await startSnackdrawer({ SNACKDRAWER_BOOTSTRAP_ADMIN: 'metrics-admin:admin password' });
  [alice, bob] = await Promise.all([signUpAndLogin(app), signUpAndLogin(app)]);
});
afterAll(() => app.close());

const HTTP = 'http_server_request_duration_seconds_count';
const http = (method: string, route: string, status: number) => ({ module: 'snackdrawer', method, route, status_code: String(status) });

describe('module metrics', () => {
  it('exports every listed label value from start-up', async () => {
    const fresh = await startSnackdrawer();
    try {
      const samples = await scrape(fresh);
      for (const operation of AUTH_OPERATIONS) {
        expect(samples.some((s) => s.name === 'snackdrawer_auth_operation_duration_seconds_count' && s.labels.operation === operation)).toBe(true);
      }
      for (const reason of DENIAL_REASONS) {
        expect(samples.find((s) => s.name === 'snackdrawer_authz_denied_total' && s.labels.reason === reason)?.value).toBe(0);
      }
      for (const kind of FAULT_KINDS) {
        expect(samples.find((s) => s.name === 'snackdrawer_faults_injected_total' && s.labels.kind === kind)?.value).toBe(0);
      }
      expect(total(samples, 'http_server_active_requests', { module: 'snackdrawer' })).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it('counts requests by route template and status, denials by reason and auth steps, between two scrapes', async () => {
    const drawer = await createDrawer(app, alice);
    const before = await scrape(app);
    await app.request('/snackdrawer/drawers');
    await app.request('/snackdrawer/drawers', { headers: { 'x-access-token': 'garbage' } });
    await app.request(`/snackdrawer/drawers/${drawer}`, { headers: bob.headers });
    await app.request(`/snackdrawer/drawers/${drawer}`, { headers: alice.headers });
    await app.request('/snackdrawer/drawers/abc', { headers: alice.headers });
    await app.request('/snackdrawer/no/such/path/123');
    await app.request('/snackdrawer/drawers', { method: 'PUT', headers: alice.headers });
    await app.request('/snackdrawer/auth/login', { json: { username: alice.username, password: 'wrong password' } });
    await app.request('/snackdrawer/auth/users', { json: { username: 'x'.repeat(20_000) } });
    const after = await scrape(app);
    const delta = (name: string, labels: Record<string, string>) => total(after, name, labels) - total(before, name, labels);

    expect(delta(HTTP, http('GET', '/drawers', 401))).toBe(2);
    expect(delta(HTTP, http('GET', '/drawers/:id', 404))).toBe(2);
    expect(delta(HTTP, http('GET', '/drawers/:id', 200))).toBe(1);
    expect(delta(HTTP, http('GET', '__unmatched__', 404))).toBe(1);
    expect(delta(HTTP, http('PUT', '/drawers', 405))).toBe(1);
    expect(delta(HTTP, http('POST', '/auth/login', 401))).toBe(1);
    expect(delta(HTTP, http('POST', '/auth/users', 413))).toBe(1);
    expect(delta('snackdrawer_authz_denied_total', { reason: 'missing_token' })).toBe(1);
    expect(delta('snackdrawer_authz_denied_total', { reason: 'invalid_token' })).toBe(1);
    expect(delta('snackdrawer_authz_denied_total', { reason: 'not_owner' })).toBe(1);
    expect(delta('snackdrawer_authz_denied_total', { reason: 'bad_credentials' })).toBe(1);
    // validate: the garbage token, bob's, alice's twice and the 405 one (which is refused before auth: not counted).
    expect(delta('snackdrawer_auth_operation_duration_seconds_count', { operation: 'validate' })).toBe(4);
    expect(delta('snackdrawer_auth_operation_duration_seconds_count', { operation: 'verify' })).toBe(1);
    expect(delta('db_client_operation_duration_seconds_count', { module: 'snackdrawer', operation: 'drawers.find' })).toBe(2);
    expect(delta('db_client_operation_duration_seconds_count', { module: 'snackdrawer', operation: 'drawers.exists' })).toBe(1);
    expect(total(after, 'http_server_active_requests', { module: 'snackdrawer' })).toBe(0);
    const routes = new Set(after.filter((s) => s.name === HTTP && s.labels.module === 'snackdrawer').map((s) => s.labels.route));
    for (const route of routes) expect(route === '__unmatched__' || route!.startsWith('/')).toBe(true);
    expect([...routes].some((route) => /\d/.test(route!))).toBe(false);
  });

  it('counts sign/hash per token issued and password hashed', async () => {
    const before = await scrape(app);
    await signUpAndLogin(app);
    const after = await scrape(app);
    const delta = (operation: string) =>
      total(after, 'snackdrawer_auth_operation_duration_seconds_count', { operation }) -
      total(before, 'snackdrawer_auth_operation_duration_seconds_count', { operation });
    expect(delta('hash')).toBe(1);
    expect(delta('sign')).toBe(1);
    expect(delta('verify')).toBe(1);
  });

  it('uses the bucket lists of §7 for the HTTP and auth histograms', async () => {
    await app.request('/snackdrawer/snacks');
    const samples = await scrape(app);
    const bucketsOf = (name: string, labels: Record<string, string>) =>
      samples.filter((s) => s.name === `${name}_bucket` && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.labels.le);
    const plusInf = (buckets: number[]) => [...buckets.map(String), '+Inf'];
    expect(bucketsOf('http_server_request_duration_seconds', http('GET', '/snacks', 200))).toEqual(
      plusInf([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]),
    );
    for (const operation of AUTH_OPERATIONS) {
      expect(bucketsOf('snackdrawer_auth_operation_duration_seconds', { operation }), operation).toEqual(
        plusInf([0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 2.5]),
      );
    }
  });

  it('passes promtool check metrics with every route called once', async () => {
    await callEveryRoute(app, { username: 'metrics-admin', password: 'admin password' });
    const text = await (await app.request('/metrics')).text();
    const result = promtool(['check', 'metrics'], text);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('SNACKDRAWER_METRICS=off', () => {
  it('records nothing for the module: no HTTP series, no counts', async () => {
    const quiet = await startSnackdrawer({ SNACKDRAWER_METRICS: 'off' });
    try {
      const session = await signUpAndLogin(quiet);
      await createSnack(quiet, session);
      await quiet.request('/snackdrawer/drawers');
      const samples = await scrape(quiet);
      expect(samples.filter((s) => s.labels.module === 'snackdrawer')).toEqual([]);
      expect(total(samples, 'snackdrawer_authz_denied_total')).toBe(0);
      expect(total(samples, 'snackdrawer_auth_operation_duration_seconds_count')).toBe(0);
    } finally {
      await quiet.close();
    }
  });
});
