import { createHmac } from 'node:crypto';
import { isPgError } from '@platform/platform';
import type { TestApp } from '@platform/platform/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, SECRET, signUpAndLogin, startSnackdrawer, uniqueName } from './helpers';
import { scrape, total } from './scrape';

let app: TestApp;
beforeAll(async () => {
  app = await startSnackdrawer({ SNACKDRAWER_BOOTSTRAP_ADMIN: 'root-admin:admin password 1' });
});
afterAll(() => app.close());

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function craft(header: Record<string, unknown>, payload: Record<string, unknown>, secret = SECRET): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
const now = () => Math.floor(Date.now() / 1000);
const claims = (sub: number) => ({ iss: 'snackdrawer', aud: 'snackdrawer', sub: String(sub), role: 'user', iat: now(), exp: now() + 60, jti: 'x' });
const me = (headers: Record<string, string>) => app.request('/snackdrawer/auth/me', { headers });

describe('sign-up', () => {
  it('creates a user (201) and refuses the same name (409), case-sensitively', async () => {
    const username = uniqueName('Alice');
    const first = await app.request('/snackdrawer/auth/users', { json: { username, password: 'password1' } });
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ id: expect.any(Number), username });
    const again = await app.request('/snackdrawer/auth/users', { json: { username, password: 'password2' } });
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe('conflict');
    const lower = await app.request('/snackdrawer/auth/users', { json: { username: username.toLowerCase(), password: 'password1' } });
    expect(lower.status).toBe(201);
  });

  it('gives exactly one 201 and the rest 409 for concurrent sign-ups of one name', async () => {
    const username = uniqueName('race');
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => app.request('/snackdrawer/auth/users', { json: { username, password: 'password1' } })),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
  });

  it('validates bodies: 422 with paths, 400 malformed, 415 wrong type, 413 too big', async () => {
    const bad = await app.request('/snackdrawer/auth/users', { json: { username: 'a b', password: 'short', extra: 1 } });
    expect(bad.status).toBe(422);
    const error = await errorOf(bad);
    expect(error.code).toBe('validation_failed');
    expect(error.details.map((d: { path: string }) => d.path).sort()).toEqual(['extra', 'password', 'username']);
    const notObject = await app.request('/snackdrawer/auth/users', { json: ['x'] });
    expect(notObject.status).toBe(422);
    const malformed = await app.request('/snackdrawer/auth/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    expect(malformed.status).toBe(400);
    expect((await errorOf(malformed)).code).toBe('malformed_json');
    const text = await app.request('/snackdrawer/auth/users', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(text.status).toBe(415);
    expect((await errorOf(text)).code).toBe('unsupported_media_type');
    const big = await app.request('/snackdrawer/auth/users', { json: { username: 'x'.repeat(17 * 1024), password: 'password1' } });
    expect(big.status).toBe(413);
    expect((await errorOf(big)).code).toBe('payload_too_large');
  });

  it('counts username length in code points and keeps punctuation', async () => {
    const emoji = await app.request('/snackdrawer/auth/users', { json: { username: `😀😀${uniqueName('')}`.slice(0, 40), password: 'password1' } });
    expect(emoji.status).toBe(201);
    const threeEmoji = await app.request('/snackdrawer/auth/users', { json: { username: '🍪🍩🍫', password: 'password1' } });
    expect([201, 409]).toContain(threeEmoji.status);
    const punctuation = await app.request('/snackdrawer/auth/users', { json: { username: `!#$%&'()*+,-./:;<=>?@[]^_\`{|}~${Date.now()}`, password: 'password1' } });
    expect(punctuation.status).toBe(201);
  });
});

describe('login', () => {
  it('issues a Bearer token with the configured TTL and the claims of the spec', async () => {
    const session = await signUpAndLogin(app);
    const login = await app.request('/snackdrawer/auth/login', { json: { username: session.username, password: session.password } });
    const body = (await login.json()) as { token: string; token_type: string; expires_in: number };
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(900);
    const [header, payload] = body.token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toMatchObject({ iss: 'snackdrawer', aud: 'snackdrawer', sub: String(session.id), role: 'user', jti: expect.any(String) });
    expect((payload!.exp as number) - (payload!.iat as number)).toBe(900);
  });

  it('answers 401 for a wrong password or an unknown user, 422 for bad shapes', async () => {
    const session = await signUpAndLogin(app);
    const wrong = await app.request('/snackdrawer/auth/login', { json: { username: session.username, password: 'nope nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="snackdrawer"');
    const unknown = await app.request('/snackdrawer/auth/login', { json: { username: uniqueName('ghost'), password: 'whatever1' } });
    expect(unknown.status).toBe(401);
    const empty = await app.request('/snackdrawer/auth/login', { json: { username: '', password: 'x' } });
    expect(empty.status).toBe(422);
  });

  it('throttles a username after 10 failures: 429 with Retry-After even for the right password; others unaffected', async () => {
    const victim = await signUpAndLogin(app);
    const bystander = await signUpAndLogin(app);
    for (let i = 0; i < 10; i++) {
      const response = await app.request('/snackdrawer/auth/login', { json: { username: victim.username, password: `wrong-${i}` } });
      expect(response.status).toBe(401);
    }
    const blocked = await app.request('/snackdrawer/auth/login', { json: { username: victim.username, password: victim.password } });
    expect(blocked.status).toBe(429);
    expect((await errorOf(blocked)).code).toBe('rate_limited');
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const other = await app.request('/snackdrawer/auth/login', { json: { username: bystander.username, password: bystander.password } });
    expect(other.status).toBe(200);
  });

  it('counts concurrent guesses before checking them: of 30 at once, at most 10 reach the password check', async () => {
    const victim = await signUpAndLogin(app);
    const before = await scrape(app);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => app.request('/snackdrawer/auth/login', { json: { username: victim.username, password: `guess-${i}` } })),
    );
    const after = await scrape(app);
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    const delta = (name: string, labels: Record<string, string>) => total(after, name, labels) - total(before, name, labels);
    expect(delta('snackdrawer_auth_operation_duration_seconds_count', { operation: 'verify' })).toBeLessThanOrEqual(10);
    expect(delta('snackdrawer_authz_denied_total', { reason: 'rate_limited' })).toBe(statuses.filter((s) => s === 429).length);
  });

  it('counts failures of an unknown username, and a throttled login neither verifies a hash nor counts bad_credentials', async () => {
    const ghost = uniqueName('ghost');
    for (let i = 0; i < 10; i++) {
      expect((await app.request('/snackdrawer/auth/login', { json: { username: ghost, password: 'whatever1' } })).status).toBe(401);
    }
    const before = await scrape(app);
    const blocked = await app.request('/snackdrawer/auth/login', { json: { username: ghost, password: 'whatever1' } });
    const after = await scrape(app);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toMatch(/^([1-9]|[1-5][0-9]|60)$/);
    const delta = (name: string, labels: Record<string, string>) => total(after, name, labels) - total(before, name, labels);
    expect(delta('snackdrawer_authz_denied_total', { reason: 'rate_limited' })).toBe(1);
    expect(delta('snackdrawer_authz_denied_total', { reason: 'bad_credentials' })).toBe(0);
    expect(delta('snackdrawer_auth_operation_duration_seconds_count', { operation: 'verify' })).toBe(0);
  });

  it('resets the failure counter on a successful login below the limit', async () => {
    const user = await signUpAndLogin(app);
    const fail = () => app.request('/snackdrawer/auth/login', { json: { username: user.username, password: 'wrong password' } });
    for (let i = 0; i < 9; i++) expect((await fail()).status).toBe(401);
    const ok = await app.request('/snackdrawer/auth/login', { json: { username: user.username, password: user.password } });
    expect(ok.status).toBe(200);
    for (let i = 0; i < 9; i++) expect((await fail()).status).toBe(401);
    expect((await fail()).status).toBe(401);
    expect((await fail()).status).toBe(429);
  });
});

describe('tokens', () => {
  it('accepts the Bearer header and the seed x-access-token header; 400 when both differ', async () => {
    const session = await signUpAndLogin(app);
    const viaBearer = await me(session.headers);
    expect(viaBearer.status).toBe(200);
    expect(await viaBearer.json()).toEqual({ id: session.id, username: session.username, role: 'user' });
    expect((await me({ 'x-access-token': session.token })).status).toBe(200);
    expect((await me({ 'x-access-token': session.token, authorization: `Bearer ${session.token}` })).status).toBe(200);
    const other = await signUpAndLogin(app);
    const both = await me({ 'x-access-token': other.token, authorization: `Bearer ${session.token}` });
    expect(both.status).toBe(400);
    expect((await errorOf(both)).code).toBe('bad_request');
  });

  it('answers 401 with WWW-Authenticate for missing, malformed, forged, expired, wrong alg/iss/aud and missing claims', async () => {
    const session = await signUpAndLogin(app);
    const [header, payload] = session.token.split('.');
    const cases: Record<string, Record<string, string>> = {
      missing: {},
      malformed: { authorization: 'Bearer not-a-jwt' },
      basic: { authorization: 'Basic dXNlcjpwYXNz' },
      forged: { 'x-access-token': craft({ alg: 'HS256', typ: 'JWT' }, claims(session.id), 'another secret of at least thirty-two bytes') },
      alteredPayload: { 'x-access-token': `${header}.${b64({ ...claims(session.id), role: 'admin' })}.${session.token.split('.')[2]}` },
      algNone: { 'x-access-token': `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.` },
      hs512: { 'x-access-token': craft({ alg: 'HS512', typ: 'JWT' }, claims(session.id)) },
      expired: { 'x-access-token': craft({ alg: 'HS256', typ: 'JWT' }, { ...claims(session.id), iat: now() - 100, exp: now() - 10 }) },
      wrongAudience: { 'x-access-token': craft({ alg: 'HS256', typ: 'JWT' }, { ...claims(session.id), aud: 'someone-else' }) },
      wrongIssuer: { 'x-access-token': craft({ alg: 'HS256', typ: 'JWT' }, { ...claims(session.id), iss: 'evil' }) },
      noSub: { 'x-access-token': craft({ alg: 'HS256', typ: 'JWT' }, { ...claims(session.id), sub: undefined }) },
      noExp: { 'x-access-token': craft({ alg: 'HS256', typ: 'JWT' }, { ...claims(session.id), exp: undefined }) },
      seedShape: { 'x-access-token': craft({ alg: 'HS256', typ: 'JWT' }, { user: String(session.id), aud: 'snackdrawer', exp: now() + 60 }) },
      unknownUser: { 'x-access-token': craft({ alg: 'HS256', typ: 'JWT' }, claims(9_007_199_254_740_991)) },
    };
    for (const [name, headers] of Object.entries(cases)) {
      const response = await me(headers);
      expect(response.status, name).toBe(401);
      expect(response.headers.get('www-authenticate'), name).toBe('Bearer realm="snackdrawer"');
      expect((await errorOf(response)).code, name).toBe('unauthenticated');
    }
  });

  it('counts an expired token as expired_token, and a forged one as invalid_token', async () => {
    const session = await signUpAndLogin(app);
    const expired = craft({ alg: 'HS256', typ: 'JWT' }, { ...claims(session.id), iat: now() - 100, exp: now() - 10 });
    const forged = craft({ alg: 'HS256', typ: 'JWT' }, claims(session.id), 'another secret of at least thirty-two bytes');
    const before = await scrape(app);
    expect((await me({ 'x-access-token': expired })).status).toBe(401);
    expect((await me({ 'x-access-token': forged })).status).toBe(401);
    const after = await scrape(app);
    const denied = (reason: string) => total(after, 'snackdrawer_authz_denied_total', { reason }) - total(before, 'snackdrawer_authz_denied_total', { reason });
    expect(denied('expired_token')).toBe(1);
    expect(denied('invalid_token')).toBe(1);
  });

  it('tolerates 5 s of clock skew on expiry', async () => {
    const session = await signUpAndLogin(app);
    const justExpired = craft({ alg: 'HS256', typ: 'JWT' }, { ...claims(session.id), exp: now() - 2 });
    expect((await me({ 'x-access-token': justExpired })).status).toBe(200);
  });

  it('uses the role stored in the database, never the role claim', async () => {
    const session = await signUpAndLogin(app);
    const claimsAdmin = craft({ alg: 'HS256', typ: 'JWT' }, { ...claims(session.id), role: 'admin' });
    const faults = await app.request('/snackdrawer/admin/faults', { headers: { 'x-access-token': claimsAdmin } });
    expect(faults.status).toBe(403);
  });

  it("stops accepting a deleted user's token within the 5 s cache", async () => {
    const session = await signUpAndLogin(app);
    expect((await me(session.headers)).status).toBe(200);
    await sql`DELETE FROM snackdrawer.users WHERE id = ${session.id}`.execute(app.platform.deps.db);
    await new Promise((resolve) => setTimeout(resolve, 5_200));
    expect((await me(session.headers)).status).toBe(401);
  });
});

describe('authenticated routes', () => {
  const protectedRoutes: [string, string][] = [
    ['GET', '/auth/me'],
    ['POST', '/snacks'],
    ['GET', '/drawers'],
    ['POST', '/drawers'],
    ['GET', '/drawers/1'],
    ['PATCH', '/drawers/1'],
    ['DELETE', '/drawers/1'],
    ['POST', '/drawers/1'],
    ['POST', '/drawers/1/snacks'],
    ['PATCH', '/drawers/1/snacks/1'],
    ['DELETE', '/drawers/1/snacks/1'],
    ['GET', '/admin/faults'],
    ['PUT', '/admin/faults'],
    ['DELETE', '/admin/faults'],
  ];

  it('answer 401 unauthenticated with WWW-Authenticate without a token, each counted once as missing_token', async () => {
    const before = await scrape(app);
    for (const [method, path] of protectedRoutes) {
      const response = await app.request(`/snackdrawer${path}`, { method, json: method === 'GET' || method === 'DELETE' ? undefined : {} });
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.headers.get('www-authenticate'), `${method} ${path}`).toBe('Bearer realm="snackdrawer"');
      expect((await errorOf(response)).code, `${method} ${path}`).toBe('unauthenticated');
    }
    const after = await scrape(app);
    const missing = (samples: typeof before) => total(samples, 'snackdrawer_authz_denied_total', { reason: 'missing_token' });
    expect(missing(after) - missing(before)).toBe(protectedRoutes.length);
  });

  it('answer 403 forbidden on every fault API verb for a user token', async () => {
    const session = await signUpAndLogin(app);
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const response = await app.request('/snackdrawer/admin/faults', { method, headers: session.headers, json: method === 'PUT' ? {} : undefined });
      expect(response.status, method).toBe(403);
      expect((await errorOf(response)).code, method).toBe('forbidden');
    }
  });
});

describe('bootstrap admin', () => {
  it('creates the admin at boot, who may use the fault API', async () => {
    const login = await app.request('/snackdrawer/auth/login', { json: { username: 'root-admin', password: 'admin password 1' } });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const response = await me({ authorization: `Bearer ${token}` });
    expect(((await response.json()) as { role: string }).role).toBe('admin');
  });

  it('promotes an existing user and resets its password at the next boot', async () => {
    const session = await signUpAndLogin(app);
    const second = await startSnackdrawer({ SNACKDRAWER_BOOTSTRAP_ADMIN: `${session.username}:new password:with colon` });
    try {
      const login = await second.request('/snackdrawer/auth/login', { json: { username: session.username, password: 'new password:with colon' } });
      expect(login.status).toBe(200);
      const { token } = (await login.json()) as { token: string };
      const answer = await second.request('/snackdrawer/auth/me', { headers: { authorization: `Bearer ${token}` } });
      expect(((await answer.json()) as { role: string }).role).toBe('admin');
    } finally {
      await second.close();
    }
  });

  it('refuses to boot with an invalid bootstrap value or a short production secret', async () => {
    await expect(startSnackdrawer({ SNACKDRAWER_BOOTSTRAP_ADMIN: 'ab:password1' })).rejects.toThrow(/SNACKDRAWER_BOOTSTRAP_ADMIN/);
    await expect(startSnackdrawer({ SNACKDRAWER_BOOTSTRAP_ADMIN: 'admin:short' })).rejects.toThrow(/SNACKDRAWER_BOOTSTRAP_ADMIN/);
    await expect(startSnackdrawer({ NODE_ENV: 'production', SNACKDRAWER_JWT_SECRET: 'short' })).rejects.toThrow(/SNACKDRAWER_JWT_SECRET/);
  });

  it('treats an empty secret outside production as unset: a random per-process key that still signs and verifies', async () => {
    const keyless = await startSnackdrawer({ SNACKDRAWER_JWT_SECRET: '' });
    try {
      const session = await signUpAndLogin(keyless);
      expect((await keyless.request('/snackdrawer/auth/me', { headers: session.headers })).status).toBe(200);
    } finally {
      await keyless.close();
    }
  });
});

describe('stored passwords', () => {
  it('are scrypt strings carrying their parameters', async () => {
    const session = await signUpAndLogin(app);
    const { rows } = await sql<{ password_hash: string }>`SELECT password_hash FROM snackdrawer.users WHERE id = ${session.id}`.execute(
      app.platform.deps.db,
    );
    expect(rows[0]!.password_hash).toMatch(/^\$scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(isPgError({ code: '23505' }, '23505')).toBe(true);
  });
});
