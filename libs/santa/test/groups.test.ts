import { startTestApp, type TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSantaModule } from '../src';
import { call, createGroup, draw, groupWith, join } from './helpers';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ modules: [createSantaModule], env: { SANTA_MAX_MEMBERS: '4', PUBLIC_URL: 'https://santa.example' } });
});
afterAll(() => app.close());

describe('creating and joining', () => {
  it('creates a group with its admin and capability links', async () => {
    const created = await call(app, '/groups', undefined, {
      method: 'POST',
      json: { name: '  Office 🎄 ', admin_name: 'Ann', admin_email: 'ann@example.org', budget: { amount: 25.5, currency: 'eur' }, exchange_date: '2026-12-24', mode: 'any' },
    });
    expect(created.status).toBe(201);
    const { group, admin_token, member_id, member_url, admin_url, invite_url } = created.body;
    expect(admin_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(member_url).toBe(`https://santa.example/santa/g/${admin_token}`);
    expect(admin_url).toBe(`https://santa.example/santa/g/${admin_token}/admin`);
    expect(invite_url).toBe(`https://santa.example/santa/join/${group.invite_code}`);
    expect(group).toMatchObject({
      name: 'Office 🎄',
      mode: 'any',
      avoid_previous: false,
      budget: { amount: 25.5, currency: 'EUR' },
      exchange_date: '2026-12-24',
      status: 'open',
      member_count: 1,
      participant_count: 1,
      draw: null,
      me: { id: member_id, name: 'Ann', email: 'ann@example.org', role: 'admin', participating: true },
    });
    expect(group.created_at).toMatch(/Z$/);
    expect(created.headers.get('x-request-id')).toBeTruthy();
  });

  it.each([
    [{ admin_name: 'Ann' }, 'name'],
    [{ name: '', admin_name: 'Ann' }, 'name'],
    [{ name: 'x'.repeat(101), admin_name: 'Ann' }, 'name'],
    [{ name: 'ok', admin_name: 'A\u0007nn' }, 'admin_name'],
    [{ name: 'ok', admin_name: 'x'.repeat(61) }, 'admin_name'],
    [{ name: 'ok', admin_name: 'Ann', admin_email: 'a@b@c' }, 'admin_email'],
    [{ name: 'ok', admin_name: 'Ann', admin_email: 'a b@c' }, 'admin_email'],
    [{ name: 'ok', admin_name: 'Ann', admin_email: `${'a'.repeat(243)}@example.org` }, 'admin_email'],
    [{ name: 'ok', admin_name: 'Ann', budget: { amount: 0, currency: 'EUR' } }, 'budget.amount'],
    [{ name: 'ok', admin_name: 'Ann', budget: { amount: 1.234, currency: 'EUR' } }, 'budget.amount'],
    [{ name: 'ok', admin_name: 'Ann', budget: { amount: 2e9, currency: 'EUR' } }, 'budget.amount'],
    [{ name: 'ok', admin_name: 'Ann', budget: { amount: 5, currency: 'XYZ' } }, 'budget.currency'],
    [{ name: 'ok', admin_name: 'Ann', exchange_date: '2026-02-30' }, 'exchange_date'],
    [{ name: 'ok', admin_name: 'Ann', mode: 'star' }, 'mode'],
  ])('refuses %j with 422 naming %s', async (json, path) => {
    const response = await call(app, '/groups', undefined, { method: 'POST', json });
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('validation_failed');
    expect(response.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('counts names in code points (60 emoji fit); an address of 254 characters fits', async () => {
    const group = await createGroup(app, { admin_name: '🎅'.repeat(60), admin_email: `${'a'.repeat(242)}@example.org` });
    expect(group.id).toBeTruthy();
  });

  it('answers 400 malformed_json, 415 and 413 at the edge', async () => {
    const bad = await app.request('/santa/groups', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('malformed_json');
    const text = await app.request('/santa/groups', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(text.status).toBe(415);
    expect((await text.json()).error.code).toBe('unsupported_media_type');
    const big = await app.request('/santa/groups', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(1_100_000) }),
    });
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe('payload_too_large');
  });

  it('joins by invite code; names are unique ignoring case; unknown codes are 404; a full group is 409', async () => {
    const group = await createGroup(app);
    const bob = await join(app, group, 'Bob', 'bob@example.org');
    const me = await call(app, '/me', bob.token);
    expect(me.body).toEqual({ group_id: group.id, member: expect.objectContaining({ id: bob.id, name: 'Bob', email: 'bob@example.org', role: 'member', participating: true }) });
    const taken = await call(app, '/join', undefined, { method: 'POST', json: { invite_code: group.inviteCode, name: 'bOB' } });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('name_taken');
    const unknown = await call(app, '/join', undefined, { method: 'POST', json: { invite_code: 'A'.repeat(22), name: 'Zed' } });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not_found']);
    await join(app, group, 'Cy');
    await join(app, group, 'Dee');
    const full = await call(app, '/join', undefined, { method: 'POST', json: { invite_code: group.inviteCode, name: 'Eve' } });
    expect(full.status).toBe(409);
    expect(full.body.error.code).toBe('group_full');
    const invalid = await call(app, '/join', undefined, { method: 'POST', json: { invite_code: group.inviteCode } });
    expect([invalid.status, invalid.body.error.code]).toEqual([422, 'validation_failed']);
  });

  it('replays a creating POST with the same Idempotency-Key, stores the reply encrypted, refuses the key for another body', async () => {
    const init = { method: 'POST', headers: { 'idempotency-key': 'create-1' }, json: { name: 'Once', admin_name: 'Ann' } };
    const first = await call(app, '/groups', undefined, init);
    const second = await call(app, '/groups', undefined, init);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const keys = await app.platform.deps.redis.keys(`${app.redisPrefix}:santa:idempotency:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(await app.platform.deps.redis.get(key)).not.toContain(first.body.admin_token);
    const other = await call(app, '/groups', undefined, { ...init, json: { name: 'Twice', admin_name: 'Ann' } });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    const fresh = await call(app, '/groups', undefined, { ...init, headers: { 'idempotency-key': 'create-2' } });
    expect(fresh.body.group.id).not.toBe(first.body.group.id);
  });

  it('rotates the invite code: the old one then gives 404', async () => {
    const group = await createGroup(app);
    const rotated = await call(app, `/groups/${group.id}/invite-code`, group.admin.token, { method: 'POST' });
    expect(rotated.status).toBe(200);
    expect(rotated.body.invite_code).not.toBe(group.inviteCode);
    expect(rotated.body.invite_url).toBe(`https://santa.example/santa/join/${rotated.body.invite_code}`);
    const old = await call(app, '/join', undefined, { method: 'POST', json: { invite_code: group.inviteCode, name: 'Bob' } });
    expect(old.status).toBe(404);
    const fresh = await call(app, '/join', undefined, { method: 'POST', json: { invite_code: rotated.body.invite_code, name: 'Bob' } });
    expect(fresh.status).toBe(201);
  });

  it('lets an organiser stay out of the draw', async () => {
    const group = await createGroup(app, { admin_participates: false });
    const view = await call(app, `/groups/${group.id}`, group.admin.token);
    expect(view.body.group).toMatchObject({ member_count: 1, participant_count: 0, me: { participating: false } });
  });
});

describe('authorisation', () => {
  it('401 without or with a bad token, 404 for another or a malformed group id, 403 for a member on an admin route', async () => {
    const { group, members } = await groupWith(app, ['Bob']);
    const other = await createGroup(app);
    expect((await call(app, `/groups/${group.id}`)).status).toBe(401);
    expect((await call(app, `/groups/${group.id}`, undefined, { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    const unknown = await call(app, `/groups/${group.id}`, 'A'.repeat(43));
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe('unauthenticated');
    const foreign = await call(app, `/groups/${other.id}`, members[0]!.token);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('not_found');
    expect((await call(app, '/groups/not-a-uuid', members[0]!.token)).status).toBe(404);
    for (const malformed of ['%ZZ', '%C0%AF', '%']) {
      const answer = await call(app, `/groups/${malformed}`, members[0]!.token);
      expect([answer.status, answer.body.error.code], malformed).toEqual([404, 'not_found']);
    }
    expect((await call(app, `/groups/${group.id}/assignment`)).status).toBe(401);
    expect((await call(app, `/groups/${group.id}/assignment`, 'A'.repeat(43))).status).toBe(401);
    expect((await call(app, `/groups/${other.id}/assignment`, members[0]!.token)).status).toBe(404);
    expect((await call(app, '/groups/not-a-uuid/assignment', members[0]!.token)).status).toBe(404);
    expect((await call(app, `/groups/${group.id}/assignment`, members[0]!.token)).body.error.code).toBe('not_drawn');
    for (const [method, path] of [
      ['PATCH', ''],
      ['DELETE', ''],
      ['POST', '/invite-code'],
      ['GET', '/exclusions'],
      ['POST', '/draws'],
      ['POST', '/draws/current/reveal'],
      ['GET', '/emails'],
      ['DELETE', `/members/${group.admin.id}`],
    ] as const) {
      const response = await call(app, `/groups/${group.id}${path}`, members[0]!.token, method === 'PATCH' ? { method, json: { name: 'x' } } : { method });
      expect([method, path, response.status, response.body?.error.code]).toEqual([method, path, 403, 'forbidden']);
    }
  });

  it('shows an address only to its owner, never to other members or the admin', async () => {
    const group = await createGroup(app, { admin_email: 'ann@example.org' });
    const bob = await join(app, group, 'Bob', 'bob@example.org');
    const asBob = await call(app, `/groups/${group.id}/members`, bob.token);
    expect(JSON.stringify(asBob.body)).not.toContain('@example.org');
    expect(asBob.body.members[0]).not.toHaveProperty('has_email');
    const asAdmin = await call(app, `/groups/${group.id}/members`, group.admin.token);
    expect(JSON.stringify(asAdmin.body)).not.toContain('bob@example.org');
    expect(asAdmin.body.members.map((m: { name: string; has_email: boolean }) => [m.name, m.has_email])).toEqual([
      ['Ann', true],
      ['Bob', true],
    ]);
    const groupAsBob = await call(app, `/groups/${group.id}`, bob.token);
    expect(groupAsBob.body.group).not.toHaveProperty('invite_code');
    expect(JSON.stringify(groupAsBob.body)).not.toContain('ann@example.org');
  });

  it('deletes the group with every token', async () => {
    const { group, members } = await groupWith(app, ['Bob']);
    expect((await call(app, `/groups/${group.id}`, group.admin.token, { method: 'DELETE' })).status).toBe(204);
    expect((await call(app, '/me', members[0]!.token)).status).toBe(401);
    expect((await call(app, '/me', group.admin.token)).status).toBe(401);
  });
});

describe('members and settings', () => {
  it('lists members in join order with limit and cursor; bad limits are 422', async () => {
    const { group } = await groupWith(app, ['Bob', 'Cy']);
    const first = await call(app, `/groups/${group.id}/members?limit=2`, group.admin.token);
    expect(first.body.members.map((m: { name: string }) => m.name)).toEqual(['Ann', 'Bob']);
    const second = await call(app, `/groups/${group.id}/members?limit=2&cursor=${first.body.next_cursor}`, group.admin.token);
    expect(second.body).toMatchObject({ members: [{ name: 'Cy' }], next_cursor: null });
    for (const limit of ['0', '501', 'x', '1.5']) {
      const response = await call(app, `/groups/${group.id}/members?limit=${limit}`, group.admin.token);
      expect(response.status).toBe(422);
    }
    expect((await call(app, `/groups/${group.id}/members?cursor=bm9wZQ`, group.admin.token)).status).toBe(422);
  });

  it('patches the caller and the group settings', async () => {
    const { group, members } = await groupWith(app, ['Bob', 'Cy']);
    const renamed = await call(app, '/me', members[0]!.token, { method: 'PATCH', json: { name: 'Robert', email: 'rob@example.org' } });
    expect(renamed.body.member).toMatchObject({ name: 'Robert', email: 'rob@example.org' });
    const cleared = await call(app, '/me', members[0]!.token, { method: 'PATCH', json: { email: null } });
    expect(cleared.body.member.email).toBeNull();
    const clash = await call(app, '/me', members[0]!.token, { method: 'PATCH', json: { name: 'cy' } });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('name_taken');
    const badEmail = await call(app, '/me', members[0]!.token, { method: 'PATCH', json: { email: 'nope' } });
    expect([badEmail.status, badEmail.body.error.code]).toEqual([422, 'validation_failed']);
    const patched = await call(app, `/groups/${group.id}`, group.admin.token, {
      method: 'PATCH',
      json: { name: 'Family', mode: 'any', avoid_previous: true, budget: { amount: 10, currency: 'usd' }, exchange_date: '2026-12-25' },
    });
    expect(patched.body.group).toMatchObject({ name: 'Family', mode: 'any', avoid_previous: true, budget: { amount: 10, currency: 'USD' }, exchange_date: '2026-12-25' });
    const unset = await call(app, `/groups/${group.id}`, group.admin.token, { method: 'PATCH', json: { budget: null, exchange_date: null } });
    expect(unset.body.group).toMatchObject({ budget: null, exchange_date: null });
    const badMode = await call(app, `/groups/${group.id}`, group.admin.token, { method: 'PATCH', json: { mode: 'ring' } });
    expect([badMode.status, badMode.body.error.code]).toEqual([422, 'validation_failed']);
  });

  it('removes a member before any draw; the admin cannot leave; removed tokens stop working', async () => {
    const { group, members } = await groupWith(app, ['Bob', 'Cy']);
    const leave = await call(app, '/me', members[0]!.token, { method: 'DELETE' });
    expect(leave.body).toEqual({ removed: true, draw_changed: false });
    expect((await call(app, '/me', members[0]!.token)).status).toBe(401);
    const adminLeaves = await call(app, '/me', group.admin.token, { method: 'DELETE' });
    expect(adminLeaves.status).toBe(409);
    expect(adminLeaves.body.error.code).toBe('admin_cannot_leave');
    const gone = await call(app, `/groups/${group.id}/members/${members[0]!.id}`, group.admin.token, { method: 'DELETE' });
    expect([gone.status, gone.body.error.code]).toEqual([404, 'not_found']);
    const adminRemovesSelf = await call(app, `/groups/${group.id}/members/${group.admin.id}`, group.admin.token, { method: 'DELETE' });
    expect([adminRemovesSelf.status, adminRemovesSelf.body.error.code]).toEqual([409, 'admin_cannot_leave']);
    const removed = await call(app, `/groups/${group.id}/members/${members[1]!.id}`, group.admin.token, { method: 'DELETE' });
    expect(removed.body).toEqual({ removed: true, draw_changed: false });
    // The name is free again once its holder is gone.
    await join(app, group, 'Bob');
  });

  it('adds a member by e-mail: 422 without a valid address, 409 name_taken, 409 group_full past SANTA_MAX_MEMBERS', async () => {
    const { group } = await groupWith(app, ['Bob']);
    const add = (json: Record<string, unknown>) => call(app, `/groups/${group.id}/members`, group.admin.token, { method: 'POST', json });
    for (const json of [{ name: 'Cy' }, { name: 'Cy', email: 'not-an-address' }, { name: 'Cy', email: `${'c'.repeat(243)}@example.org` }]) {
      const refused = await add(json);
      expect([refused.status, refused.body.error.code, [...new Set(refused.body.error.details.map((d: { path: string }) => d.path))]]).toEqual([422, 'validation_failed', ['email']]);
    }
    const taken = await add({ name: 'BOB', email: 'bob@example.org' });
    expect([taken.status, taken.body.error.code]).toEqual([409, 'name_taken']);
    expect((await add({ name: 'Cy', email: 'cy@example.org' })).status).toBe(201);
    expect((await add({ name: 'Dee', email: 'dee@example.org' })).status).toBe(201);
    const full = await add({ name: 'Eve', email: 'eve@example.org' });
    expect([full.status, full.body.error.code]).toEqual([409, 'group_full']);
  });

  it('answers unknown paths with 404 and known paths with a wrong method with 405', async () => {
    expect((await call(app, '/nope')).status).toBe(404);
    const wrong = await call(app, '/groups', undefined, { method: 'GET' });
    expect(wrong.status).toBe(405);
    expect(wrong.body.error.code).toBe('method_not_allowed');
    expect(wrong.headers.get('allow')).toBe('POST');
  });

  it('needs three participants for a draw', async () => {
    const { group } = await groupWith(app, ['Bob']);
    const response = await draw(app, group);
    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({ code: 'too_few_participants', details: { required: 3, actual: 2 } });
  });
});
