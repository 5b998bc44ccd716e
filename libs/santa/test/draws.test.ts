import { startTestApp, type TestApp } from '@platform/platform/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSantaModule } from '../src';
import { verifyDraw } from '../src/verify';
import { call, createGroup, draw, groupWith, join, metricValue, type Group } from './helpers';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ modules: [createSantaModule] });
});
afterAll(() => app.close());

type Member = { id: string; token: string };
const giftee = async (group: { id: string }, member: Member) => (await call(app, `/groups/${group.id}/assignment`, member.token)).body.giftee.id as string;
const exclude = (group: Group, giverId: string, receiverId: string) =>
  call(app, `/groups/${group.id}/exclusions`, group.admin.token, { method: 'POST', json: { giver_id: giverId, receiver_id: receiverId } });
/** People as a draw failure lists them: `{id, name}` sorted by id. */
const byId = (people: { id: string; name: string }[]) => people.map(({ id, name }) => ({ id, name })).sort((a, b) => (a.id < b.id ? -1 : 1));

describe('drawing names', () => {
  it('draws once; a member sees only their own giftee; the admin sees no assignment before the reveal', async () => {
    const { group, members } = await groupWith(app, ['Bob', 'Cy', 'Dee']);
    const drawn = await draw(app, group);
    expect(drawn.status).toBe(201);
    expect(drawn.body.draw).toMatchObject({ number: 1, status: 'active', mode: 'cycle', participant_count: 4, algorithm: 'santa-draw-v1', revealed_at: null });
    expect(drawn.body.draw.commitment).toMatch(/^[0-9a-f]{64}$/);
    const everyone: Member[] = [{ id: group.admin.id, token: group.admin.token }, ...members];
    const receivers = [];
    for (const m of everyone) {
      const view = await call(app, `/groups/${group.id}/assignment`, m.token);
      expect(view.status).toBe(200);
      expect(view.body).toMatchObject({ draw_id: drawn.body.draw.id, santa: null });
      expect(view.body.giftee.id).not.toBe(m.id);
      expect(Object.keys(view.body)).toEqual(['draw_id', 'giftee', 'santa']);
      receivers.push(view.body.giftee.id);
    }
    expect(new Set(receivers).size).toBe(4);
    const current = await call(app, `/groups/${group.id}/draws/current`, group.admin.token);
    expect(current.body.draw).toMatchObject({ seed: null, input: null, initial_pairs: null, changes: null, pairs: null });
    const list = await call(app, `/groups/${group.id}/draws`, members[0]!.token);
    expect(list.body.draws).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toContain(members[1]!.id);
    const again = await draw(app, group);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_drawn');
  });

  it('answers 404 not_drawn before any draw: reveal, the current draw and both threads', async () => {
    const { group, members } = await groupWith(app, ['Bob', 'Cy']);
    const reveal = await call(app, `/groups/${group.id}/draws/current/reveal`, group.admin.token, { method: 'POST' });
    expect([reveal.status, reveal.body.error.code]).toEqual([404, 'not_drawn']);
    const current = await call(app, `/groups/${group.id}/draws/current`, members[0]!.token);
    expect([current.status, current.body.error.code]).toEqual([404, 'not_drawn']);
    for (const withWhom of ['giftee', 'santa']) {
      const thread = await call(app, `/groups/${group.id}/messages?with=${withWhom}`, members[0]!.token);
      expect([withWhom, thread.status, thread.body.error.code]).toEqual([withWhom, 404, 'not_drawn']);
    }
  });

  it('lets exactly one of two simultaneous draws succeed', async () => {
    const { group } = await groupWith(app, ['Bob', 'Cy', 'Dee']);
    const results = await Promise.all([draw(app, group), draw(app, group), draw(app, group, {})]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    const draws = await call(app, `/groups/${group.id}/draws`, group.admin.token);
    expect(draws.body.draws).toHaveLength(1);
  });

  it('lets exactly one draw succeed when two gateway processes draw at once', async () => {
    const other = await startTestApp({ modules: [createSantaModule], redisPrefix: app.redisPrefix });
    try {
      const { group } = await groupWith(app, ['Bob', 'Cy']);
      const results = await Promise.all([draw(app, group), draw(other, group)]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      const metrics = await (await other.request('/metrics')).text();
      const here = await (await app.request('/metrics')).text();
      expect(`${metrics}\n${here}`).toMatch(/santa_draws_total\{mode="cycle",outcome="already_drawn"\} [1-9]/);
    } finally {
      await other.close();
    }
  });

  it('reveals once; anyone can then recompute the pairs from the seed; redraws supersede and avoid the last pairs', async () => {
    const { group, members } = await groupWith(app, ['Bob', 'Cy', 'Dee', 'Eve'], { avoid_previous: true });
    const first = await draw(app, group);
    expect((await call(app, `/groups/${group.id}/draws/current/reveal`, members[0]!.token, { method: 'POST' })).status).toBe(403);
    const revealed = await call(app, `/groups/${group.id}/draws/current/reveal`, group.admin.token, { method: 'POST' });
    expect(revealed.status).toBe(200);
    const detail = revealed.body.draw;
    expect(detail.seed).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(detail.input)).toMatchObject({ v: 1, group_id: group.id, draw_id: first.body.draw.id, mode: 'cycle' });
    expect(verifyDraw(detail)).toMatchObject({ ok: true });
    expect(detail.pairs).toHaveLength(5);
    expect(detail.pairs[0]).toEqual({ giver_id: expect.any(String), giver_name: expect.any(String), receiver_id: expect.any(String), receiver_name: expect.any(String) });
    const santaView = await call(app, `/groups/${group.id}/assignment`, members[0]!.token);
    const santaOfBob = detail.pairs.find((p: { receiver_id: string }) => p.receiver_id === members[0]!.id);
    expect(santaView.body.santa).toEqual({ id: santaOfBob.giver_id, name: santaOfBob.giver_name });
    const twice = await call(app, `/groups/${group.id}/draws/current/reveal`, group.admin.token, { method: 'POST' });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('already_revealed');
    expect((await call(app, `/groups/${group.id}`, group.admin.token)).body.group.status).toBe('revealed');

    const second = await draw(app, group, { redraw: true });
    expect(second.status).toBe(201);
    expect(second.body.draw).toMatchObject({ number: 2, avoid_previous: true });
    const old = await call(app, `/groups/${group.id}/draws/${first.body.draw.id}`, members[1]!.token);
    expect(old.body.draw.status).toBe('superseded');
    await call(app, `/groups/${group.id}/draws/current/reveal`, group.admin.token, { method: 'POST' });
    const newer = (await call(app, `/groups/${group.id}/draws/current`, group.admin.token)).body.draw;
    expect(verifyDraw(newer).ok).toBe(true);
    const before = new Set(detail.pairs.map((p: { giver_id: string; receiver_id: string }) => `${p.giver_id}>${p.receiver_id}`));
    for (const p of newer.pairs) expect(before.has(`${p.giver_id}>${p.receiver_id}`)).toBe(false);
    expect(JSON.parse(newer.input).exclusions).toHaveLength(5);
    const listed = await call(app, `/groups/${group.id}/draws?limit=1`, group.admin.token);
    expect(listed.body.draws.map((d: { number: number }) => d.number)).toEqual([2]);
    const rest = await call(app, `/groups/${group.id}/draws?limit=1&cursor=${listed.body.next_cursor}`, group.admin.token);
    expect(rest.body).toMatchObject({ draws: [{ number: 1 }], next_cursor: null });
    for (const id of ['nope', crypto.randomUUID()]) {
      const missing = await call(app, `/groups/${group.id}/draws/${id}`, group.admin.token);
      expect([missing.status, missing.body.error.code]).toEqual([404, 'not_found']);
    }
  });

  it('explains an infeasible draw by name and changes nothing', async () => {
    const { group, members } = await groupWith(app, ['Bob', 'Cy']);
    const [bob, cy] = [members[0]!, members[1]!];
    const ids = [group.admin.id, bob.id, cy.id];
    for (const receiver of ids.filter((id) => id !== bob.id)) {
      const created = await call(app, `/groups/${group.id}/exclusions`, group.admin.token, { method: 'POST', json: { giver_id: bob.id, receiver_id: receiver } });
      expect(created.status).toBe(201);
    }
    const failed = await draw(app, group);
    expect(failed.status).toBe(422);
    expect(failed.body.error).toMatchObject({ code: 'draw_infeasible', message: 'Bob cannot give to anyone', details: { reason: 'no_possible_giftee', members: [{ id: bob.id, name: 'Bob' }] } });
    expect((await call(app, `/groups/${group.id}/draws`, group.admin.token)).body.draws).toHaveLength(0);
    expect((await call(app, `/groups/${group.id}/assignment`, bob.token)).body.error.code).toBe('not_drawn');
  });

  it('names the receivers nobody may give to (no_possible_santa)', async () => {
    const { group, members } = await groupWith(app, ['Bob', 'Cy']);
    for (const m of members) expect((await exclude(group, m.id, group.admin.id)).status).toBe(201);
    const failed = await draw(app, group);
    expect(failed.status).toBe(422);
    expect(failed.body.error).toMatchObject({ code: 'draw_infeasible', message: 'Nobody can give to Ann' });
    expect(failed.body.error.details).toEqual({ reason: 'no_possible_santa', members: [{ id: group.admin.id, name: 'Ann' }] });
  });

  it('names a Hall violator and the too few receivers it may give to (hall_violation)', async () => {
    const { group, members } = await groupWith(app, ['Bob', 'Cy', 'Dee']);
    const [bob, cy, dee] = [members[0]!, members[1]!, members[2]!];
    for (const giver of [bob, cy]) for (const receiver of [group.admin.id, bob.id, cy.id]) if (receiver !== giver.id) await exclude(group, giver.id, receiver);
    const failed = await draw(app, group);
    expect(failed.status).toBe(422);
    expect(failed.body.error.code).toBe('draw_infeasible');
    expect(failed.body.error.details).toEqual({ reason: 'hall_violation', members: byId([bob, cy]), receivers: [{ id: dee.id, name: 'Dee' }] });
    expect(failed.body.error.message).toMatch(/^(Bob and Cy|Cy and Bob) may only give to Dee: too few people for them$/);
  });

  it('reports no_single_loop when the allowed graph is strongly connected but has no loop through everybody', async () => {
    // Two triangles sharing Ann: every loop through all five would pass Ann twice.
    const { group, members } = await groupWith(app, ['Bob', 'Cy', 'Dee', 'Eve']);
    const [left, right] = [members.slice(0, 2), members.slice(2)];
    for (const a of left) for (const b of right) for (const [g, r] of [[a, b], [b, a]] as const) expect((await exclude(group, g.id, r.id)).status).toBe(201);
    const failed = await draw(app, group);
    expect(failed.status).toBe(422);
    expect(failed.body.error).toEqual({
      code: 'draw_infeasible',
      message: 'No single loop through everybody respects the exclusions',
      details: { reason: 'no_single_loop', members: [] },
    });
    await call(app, `/groups/${group.id}`, group.admin.token, { method: 'PATCH', json: { mode: 'any' } });
    expect((await draw(app, group)).status).toBe(201);
  });

  it('counts draws by mode and outcome in santa_draws_total', async () => {
    const series = (mode: string, outcome: string) => `santa_draws_total{mode="${mode}",outcome="${outcome}"}`;
    const watched = [series('cycle', 'too_few_participants'), series('any', 'draw_infeasible'), series('any', 'ok')];
    const before = await Promise.all(watched.map((series) => metricValue(app, series)));
    const small = await createGroup(app);
    expect((await draw(app, small)).body.error.code).toBe('too_few_participants');
    const { group, members } = await groupWith(app, ['Bob', 'Cy'], { mode: 'any' });
    await exclude(group, members[0]!.id, group.admin.id);
    await exclude(group, members[0]!.id, members[1]!.id);
    expect((await draw(app, group)).body.error.code).toBe('draw_infeasible');
    const after = await Promise.all(watched.map((series) => metricValue(app, series)));
    expect(after.map((value, i) => value - before[i]!)).toEqual([1, 1, 0]);
  });

  it('a failed draw or redraw writes and sends nothing; the current draw stays', async () => {
    const group = await createGroup(app, { admin_email: 'ann@example.org' });
    const bob = await join(app, group, 'Bob', 'bob@example.org');
    const cy = await join(app, group, 'Cy', 'cy@example.org');
    const outbox = async () => (await call(app, `/groups/${group.id}/emails?limit=500`, group.admin.token)).body.emails.length as number;
    await exclude(group, bob.id, group.admin.id);
    const bobToCy = (await exclude(group, bob.id, cy.id)).body.created[0].id;
    const links = await outbox();
    expect(links).toBe(3);
    expect((await draw(app, group)).status).toBe(422);
    expect(await outbox()).toBe(links);
    expect((await call(app, `/groups/${group.id}/draws`, group.admin.token)).body.draws).toEqual([]);

    await call(app, `/groups/${group.id}/exclusions/${bobToCy}`, group.admin.token, { method: 'DELETE' });
    const first = await draw(app, group);
    expect(first.status).toBe(201);
    const drawn = await outbox();
    expect(drawn).toBe(links + 3);
    const bobsGiftee = await giftee(group, bob);
    await exclude(group, bob.id, cy.id);
    const redraw = await draw(app, group, { redraw: true });
    expect([redraw.status, redraw.body.error.code]).toEqual([422, 'draw_infeasible']);
    expect(await outbox()).toBe(drawn);
    const current = await call(app, `/groups/${group.id}/draws/current`, group.admin.token);
    expect(current.body.draw).toMatchObject({ id: first.body.draw.id, number: 1, status: 'active' });
    expect((await call(app, `/groups/${group.id}/draws`, group.admin.token)).body.draws).toHaveLength(1);
    expect(await giftee(group, bob)).toBe(bobsGiftee);
  });

  it('reports components when exclusions split a cycle-mode group', async () => {
    const { group, members } = await groupWith(app, ['Bob', 'Cy', 'Dee', 'Eve', 'Fay']);
    const all = [group.admin.id, ...members.map((m) => m.id)];
    const [a, b] = [all.slice(0, 3), all.slice(3)];
    for (const g of a) for (const r of b) await call(app, `/groups/${group.id}/exclusions`, group.admin.token, { method: 'POST', json: { giver_id: g, receiver_id: r } });
    const failed = await draw(app, group);
    expect(failed.status).toBe(422);
    expect(failed.body.error.details.reason).toBe('not_strongly_connected');
    expect(failed.body.error.details.members).toEqual([]);
    expect(failed.body.error.details.components).toHaveLength(2);
    await call(app, `/groups/${group.id}`, group.admin.token, { method: 'PATCH', json: { mode: 'any' } });
    const hall = await draw(app, group);
    expect(hall.status).toBe(201);
  });

  it('reports a search past SANTA_SEARCH_LIMIT as draw_search_exhausted', async () => {
    const limited = await startTestApp({ modules: [createSantaModule], env: { SANTA_SEARCH_LIMIT: '1' } });
    try {
      const group = (await call(limited, '/groups', undefined, { method: 'POST', json: { name: 'G', admin_name: 'A' } })).body;
      const code = group.group.invite_code;
      const ids = [group.member_id];
      for (const name of ['B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L']) ids.push((await call(limited, '/join', undefined, { method: 'POST', json: { invite_code: code, name } })).body.member.id);
      // Everyone may give only to the next two in a ring: sampling essentially never fits, the search needs many steps.
      for (let g = 0; g < ids.length; g++) {
        for (let d = 3; d < ids.length; d++) {
          await call(limited, `/groups/${group.group.id}/exclusions`, group.admin_token, { method: 'POST', json: { giver_id: ids[g], receiver_id: ids[(g + d) % ids.length] } });
        }
      }
      const failed = await call(limited, `/groups/${group.group.id}/draws`, group.admin_token, { method: 'POST' });
      expect(failed.status).toBe(422);
      expect(failed.body.error.code).toBe('draw_search_exhausted');
    } finally {
      await limited.close();
    }
  });
});

describe('exclusions', () => {
  it('adds mutual exclusions, refuses duplicates, unknown members and self-exclusion, deletes by id', async () => {
    const { group, members } = await groupWith(app, ['Bob', 'Cy']);
    const [bob, cy] = [members[0]!, members[1]!];
    const url = `/groups/${group.id}/exclusions`;
    const created = await call(app, url, group.admin.token, { method: 'POST', json: { giver_id: bob.id, receiver_id: cy.id, mutual: true } });
    expect(created.status).toBe(201);
    expect(created.body.created.map((e: { giver_id: string }) => e.giver_id).sort()).toEqual([bob.id, cy.id].sort());
    const again = await call(app, url, group.admin.token, { method: 'POST', json: { giver_id: cy.id, receiver_id: bob.id } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('exclusion_exists');
    const unknown = await call(app, url, group.admin.token, { method: 'POST', json: { giver_id: bob.id, receiver_id: crypto.randomUUID() } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.code).toBe('unknown_member');
    const self = await call(app, url, group.admin.token, { method: 'POST', json: { giver_id: bob.id, receiver_id: bob.id } });
    expect(self.status).toBe(422);
    expect(self.body.error.code).toBe('validation_failed');
    const listed = await call(app, `${url}?limit=1`, group.admin.token);
    expect(listed.body.exclusions).toHaveLength(1);
    expect(listed.body.next_cursor).not.toBeNull();
    expect((await call(app, url, bob.token)).status).toBe(403);
    const id = created.body.created[0].id;
    expect((await call(app, `${url}/${id}`, group.admin.token, { method: 'DELETE' })).status).toBe(204);
    for (const missing of [id, 'xyz']) {
      const response = await call(app, `${url}/${missing}`, group.admin.token, { method: 'DELETE' });
      expect([response.status, response.body.error.code]).toEqual([404, 'not_found']);
    }
  });
});

describe('removal', () => {
  it('keeps the name but deletes the address, tokens, wishlist and exclusions', async () => {
    const group = await createGroup(app);
    const bob = await join(app, group, 'Bob', 'bob@example.org');
    const cy = await join(app, group, 'Cy');
    expect((await call(app, `/groups/${group.id}/wishlist`, bob.token, { method: 'PUT', json: { items: [{ text: 'Socks' }] } })).status).toBe(200);
    await call(app, `/groups/${group.id}/exclusions`, group.admin.token, { method: 'POST', json: { giver_id: bob.id, receiver_id: cy.id, mutual: true } });
    await exclude(group, group.admin.id, cy.id);
    expect((await call(app, `/groups/${group.id}/members/${bob.id}`, group.admin.token, { method: 'DELETE' })).status).toBe(200);

    const db = app.platform.deps.db;
    const row = await sql<{ name: string; email: string | null; removed: boolean }>`
      SELECT name, email, removed_at IS NOT NULL AS removed FROM santa.members WHERE id = ${bob.id}`.execute(db);
    expect(row.rows).toEqual([{ name: 'Bob', email: null, removed: true }]);
    const left = await sql<{ wishes: number; tokens: number; exclusions: number }>`
      SELECT (SELECT count(*)::int FROM santa.wishlist_items WHERE member_id = ${bob.id}) AS wishes,
             (SELECT count(*)::int FROM santa.member_tokens WHERE member_id = ${bob.id}) AS tokens,
             (SELECT count(*)::int FROM santa.exclusions WHERE ${bob.id} IN (giver_id, receiver_id)) AS exclusions`.execute(db);
    expect(left.rows[0]).toEqual({ wishes: 0, tokens: 0, exclusions: 0 });
    const remaining = await call(app, `/groups/${group.id}/exclusions`, group.admin.token);
    expect(remaining.body.exclusions.map((e: { giver_id: string; receiver_id: string }) => [e.giver_id, e.receiver_id])).toEqual([[group.admin.id, cy.id]]);
  });
});

describe('changes after the draw', () => {
  it('splices a late joiner into one pair and repairs around a leaver; the verifier replays both', async () => {
    const { group, members } = await groupWith(app, ['Bob', 'Cy', 'Dee']);
    await draw(app, group);
    const before = new Map<string, string>();
    const everyone: Member[] = [{ id: group.admin.id, token: group.admin.token }, ...members];
    for (const m of everyone) before.set(m.id, await giftee(group, m));
    const late = await join(app, group, 'Late');
    const lateGiftee = await giftee(group, late);
    const changed: string[] = [];
    for (const m of everyone) if ((await giftee(group, m)) !== before.get(m.id)) changed.push(m.id);
    expect(changed).toHaveLength(1);
    expect(await giftee(group, everyone.find((m) => m.id === changed[0])!)).toBe(late.id);
    expect(lateGiftee).toBe(before.get(changed[0]!));

    const leaver = members[1]!;
    const santaOfLeaver = [...everyone, late].find((m) => m.id !== leaver.id && before.get(m.id) === leaver.id && m.id !== changed[0]) ?? null;
    const leaverGiftee = await giftee(group, leaver);
    const left = await call(app, '/me', leaver.token, { method: 'DELETE' });
    expect(left.body).toEqual({ removed: true, draw_changed: true });
    if (santaOfLeaver) expect(await giftee(group, santaOfLeaver)).toBe(leaverGiftee);

    const revealed = await call(app, `/groups/${group.id}/draws/current/reveal`, group.admin.token, { method: 'POST' });
    const detail = revealed.body.draw;
    expect(detail.changes.map((c: { seq: number; kind: string }) => [c.seq, c.kind])).toEqual([
      [1, 'join'],
      [2, 'leave'],
    ]);
    expect(verifyDraw(detail)).toMatchObject({ ok: true, problems: [] });
    expect(detail.pairs).toHaveLength(4);
    expect(detail.pairs.some((p: { giver_id: string }) => p.giver_id === leaver.id)).toBe(false);

    const afterReveal = await join(app, group, 'Later');
    expect((await call(app, `/groups/${group.id}/assignment`, afterReveal.token)).body.error.code).toBe('not_assigned');
    const stillSame = await call(app, `/groups/${group.id}/draws/current`, group.admin.token);
    expect(stillSame.body.draw.pairs).toEqual(detail.pairs);
  });

  it('refuses a leave that cannot be repaired and changes nothing', async () => {
    const { group, members } = await groupWith(app, ['Bob', 'Cy', 'Dee']);
    await draw(app, group);
    const everyone: Member[] = [{ id: group.admin.id, token: group.admin.token }, ...members];
    const leaver = members[0]!;
    const t = await giftee(group, leaver);
    let s: Member | undefined;
    for (const m of everyone) if ((await giftee(group, m)) === leaver.id) s = m;
    await call(app, `/groups/${group.id}/exclusions`, group.admin.token, { method: 'POST', json: { giver_id: s!.id, receiver_id: t } });
    const leaving = await call(app, '/me', leaver.token, { method: 'DELETE' });
    expect([leaving.status, leaving.body.error.code]).toEqual([409, 'draw_repair_impossible']);
    const refused = await call(app, `/groups/${group.id}/members/${leaver.id}`, group.admin.token, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('draw_repair_impossible');
    expect(await giftee(group, leaver)).toBe(t);
    expect((await call(app, '/me', leaver.token)).status).toBe(200);
  });
});

describe('wishlists and messages', () => {
  it('shows a wishlist to the santa; messages flow between santa and giftee without naming the santa', async () => {
    const { group, members } = await groupWith(app, ['Bob', 'Cy']);
    const everyone: Member[] = [{ id: group.admin.id, token: group.admin.token }, ...members];
    for (const m of everyone) {
      const put = await call(app, `/groups/${group.id}/wishlist`, m.token, { method: 'PUT', json: { items: [{ text: ` Socks of ${m.id} ` }, { text: 'Book', url: 'https://example.org/b' }] } });
      expect(put.status).toBe(200);
    }
    const own = await call(app, `/groups/${group.id}/wishlist`, members[0]!.token);
    expect(own.body.items).toEqual([{ text: `Socks of ${members[0]!.id}` }, { text: 'Book', url: 'https://example.org/b' }]);
    expect(own.body.updated_at).toMatch(/Z$/);
    const putWishlist = (items: unknown[]) => call(app, `/groups/${group.id}/wishlist`, members[0]!.token, { method: 'PUT', json: { items } });
    const longUrl = (length: number) => `https://example.org/${'a'.repeat(length - 'https://example.org/'.length)}`;
    for (const items of [[{ text: 'x', url: 'javascript:alert(1)' }], Array.from({ length: 51 }, () => ({ text: 'x' })), [{ text: '🎁'.repeat(201) }], [{ text: 'x', url: longUrl(2001) }]]) {
      const bad = await putWishlist(items);
      expect([bad.status, bad.body.error.code]).toEqual([422, 'validation_failed']);
    }
    expect((await putWishlist([{ text: '🎁'.repeat(200), url: longUrl(2000) }])).status).toBe(200);
    await putWishlist([{ text: `Socks of ${members[0]!.id}` }, { text: 'Book', url: 'https://example.org/b' }]);

    expect((await call(app, `/groups/${group.id}/messages`, members[0]!.token, { method: 'POST', json: { to: 'giftee', text: 'hi' } })).body.error.code).toBe('not_drawn');
    await draw(app, group);
    const santa = members[0]!;
    const view = await call(app, `/groups/${group.id}/assignment`, santa.token);
    expect(view.body.giftee.wishlist.items[0].text).toBe(`Socks of ${view.body.giftee.id}`);
    const recipient = everyone.find((m) => m.id === view.body.giftee.id)!;
    const sent = await call(app, `/groups/${group.id}/messages`, santa.token, { method: 'POST', json: { to: 'giftee', text: 'Hello\nthere  ' } });
    expect(sent.status).toBe(201);
    expect(sent.body.message).toMatchObject({ from: 'me', text: 'Hello\nthere  ' });
    await call(app, `/groups/${group.id}/messages`, recipient.token, { method: 'POST', json: { to: 'santa', text: 'Thanks!' } });
    const inbox = await call(app, `/groups/${group.id}/messages?with=santa`, recipient.token);
    expect(inbox.body.messages.map((m: { from: string; text: string }) => [m.from, m.text])).toEqual([
      ['santa', 'Hello\nthere  '],
      ['me', 'Thanks!'],
    ]);
    expect(JSON.stringify(inbox.body)).not.toContain(santa.id);
    const outbox = await call(app, `/groups/${group.id}/messages?with=giftee`, santa.token);
    expect(outbox.body.messages.map((m: { from: string }) => m.from)).toEqual(['me', 'giftee']);
    const blank = await call(app, `/groups/${group.id}/messages`, santa.token, { method: 'POST', json: { to: 'giftee', text: ' \n ' } });
    expect([blank.status, blank.body.error.code]).toEqual([422, 'validation_failed']);
    const long = await call(app, `/groups/${group.id}/messages`, santa.token, { method: 'POST', json: { to: 'giftee', text: '🎄'.repeat(2001) } });
    expect([long.status, long.body.error.code]).toEqual([422, 'validation_failed']);
    expect((await call(app, `/groups/${group.id}/messages`, santa.token, { method: 'POST', json: { to: 'giftee', text: '🎄'.repeat(2000) } })).status).toBe(201);
    expect((await call(app, `/groups/${group.id}/messages?with=nobody`, santa.token)).status).toBe(422);
  });

  it('answers not_assigned to a member outside the draw', async () => {
    const { group } = await groupWith(app, ['Bob', 'Cy', 'Dee'], { admin_participates: false });
    await draw(app, group);
    const response = await call(app, `/groups/${group.id}/assignment`, group.admin.token);
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_assigned');
    const message = await call(app, `/groups/${group.id}/messages`, group.admin.token, { method: 'POST', json: { to: 'santa', text: 'hi' } });
    expect(message.body.error.code).toBe('not_assigned');
    for (const withWhom of ['giftee', 'santa']) {
      const thread = await call(app, `/groups/${group.id}/messages?with=${withWhom}`, group.admin.token);
      expect([withWhom, thread.status, thread.body.error.code]).toEqual([withWhom, 404, 'not_assigned']);
    }
  });
});
