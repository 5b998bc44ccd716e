import { startTestApp, type TestApp } from '@platform/platform/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSantaModule } from '../src';
import { call, createGroup, draw, groupWith, join } from './helpers';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ modules: [createSantaModule] });
});
afterAll(() => app.close());

const CSP = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const CAPABILITY_HEADERS: [string, string][] = [
  ['referrer-policy', 'no-referrer'],
  ['cache-control', 'no-store'],
  ['x-robots-tag', 'noindex'],
];
const expectCapabilityHeaders = (response: Response) => {
  for (const [name, value] of CAPABILITY_HEADERS) expect([name, response.headers.get(name)]).toEqual([name, value]);
};
const postForm = (path: string, fields: Record<string, string>) =>
  app.request(path, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

describe('web pages', () => {
  it('serves the landing page with the security headers, and the stylesheet', async () => {
    const page = await app.request('/santa/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CSP);
    expect(await page.text()).toContain('action="/santa/"');
    const css = await app.request('/santa/static/santa.css');
    expect(css.headers.get('content-type')).toContain('text/css');
  });

  it('creates a group from the form (303 to the admin page) or answers 422 with the messages and the entered values', async () => {
    const created = await postForm('/santa/', { name: 'Team', admin_name: 'Ann', mode: 'any', budget_amount: '20', budget_currency: 'eur', exchange_date: '2026-12-20', organizer_only: '1' });
    expect(created.status).toBe(303);
    const location = created.headers.get('location')!;
    expect(location).toMatch(/^\/santa\/g\/[A-Za-z0-9_-]{43}\/admin$/);
    const token = location.split('/')[3]!;
    const me = await call(app, '/me', token);
    expect(me.body.member).toMatchObject({ role: 'admin', participating: false });
    const group = await call(app, `/groups/${me.body.group_id}`, token);
    expect(group.body.group).toMatchObject({ mode: 'any', budget: { amount: 20, currency: 'EUR' }, exchange_date: '2026-12-20' });

    const refused = await postForm('/santa/', { name: '<i>Team</i>', admin_name: '' });
    expect(refused.status).toBe(422);
    const body = await refused.text();
    expect(body).toContain('admin_name');
    expect(body).toContain('value="&lt;i&gt;Team&lt;/i&gt;"');
  });

  it('joins through the invite page; unknown codes and tokens get a 404 page, a member on the admin page a 403 page', async () => {
    const group = await createGroup(app, { name: 'Gang "quoted" & <b>bold</b>' });
    const page = await app.request(`/santa/join/${group.inviteCode}`);
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('Gang &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(text).not.toContain('<b>bold</b>');
    const joined = await postForm(`/santa/join/${group.inviteCode}`, { name: "O'Brien <script>alert(1)</script>" });
    expect(joined.status).toBe(303);
    const memberUrl = joined.headers.get('location')!;
    const memberToken = memberUrl.split('/')[3]!;
    const memberPage = await app.request(memberUrl);
    expect(memberPage.status).toBe(200);
    expectCapabilityHeaders(memberPage);
    expect(memberPage.headers.get('content-security-policy')).toBe(CSP);
    const html = await memberPage.text();
    expect(html).toContain('O&#39;Brien &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    const taken = await postForm(`/santa/join/${group.inviteCode}`, { name: "o'brien <SCRIPT>alert(1)</SCRIPT>" });
    expect(taken.status).toBe(409);
    expect((await app.request('/santa/join/AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    for (const path of [`/santa/g/${'A'.repeat(43)}`, '/santa/g/short', `/santa/g/${'A'.repeat(43)}/draw.json`]) {
      const unknown = await app.request(path);
      expect([path, unknown.status, unknown.headers.get('content-type')]).toEqual([path, 404, 'text/html; charset=utf-8']);
      expectCapabilityHeaders(unknown);
    }
    const undrawn = await app.request(`/santa/g/${memberToken}/draw.json`);
    expect(undrawn.status).toBe(404);
    expectCapabilityHeaders(undrawn);
    expect((await undrawn.json()).error.code).toBe('not_drawn');
    const forbidden = await app.request(`/santa/g/${memberToken}/admin`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('runs the admin forms: exclusions, draw, a failure in words, reveal; the member page then shows giftee, santa and the draw JSON', async () => {
    const { group, members } = await groupWith(app, ['Bob', 'Cy']);
    const admin = `/santa/g/${group.admin.token}/admin`;
    for (const receiver of [group.admin.id, members[1]!.id]) {
      expect((await postForm(`${admin}/exclusions`, { giver_id: members[0]!.id, receiver_id: receiver })).status).toBe(303);
    }
    const failed = await postForm(`${admin}/draw`, {});
    expect(failed.headers.get('location')).toBe(`${admin}?notice=draw_infeasible`);
    expect(await (await app.request(admin)).text()).toContain('Bob cannot give to anyone');
    const exclusions = await call(app, `/groups/${group.id}/exclusions`, group.admin.token);
    await postForm(`${admin}/exclusions/${exclusions.body.exclusions[0].id}/delete`, {});
    expect((await postForm(`${admin}/draw`, {})).headers.get('location')).toBe(`${admin}?notice=drawn`);
    const again = await postForm(`${admin}/draw`, {});
    expect(again.headers.get('location')).toBe(`${admin}?notice=already_drawn`);
    await postForm(`/santa/g/${members[0]!.token}/wishlist`, { items: 'Socks\nBook https://example.org/book' });
    await postForm(`${admin}/reveal`, {});
    const bobPage = await (await app.request(`/santa/g/${members[0]!.token}`)).text();
    expect(bobPage).toContain('id="giftee"');
    expect(bobPage).toContain('id="santa"');
    expect(bobPage).toContain('draw.json');
    const santa = (await call(app, `/groups/${group.id}/draws/current`, group.admin.token)).body.draw.pairs.find((p: { receiver_id: string }) => p.receiver_id === members[0]!.id);
    const santaPage = await (await app.request(`/santa/g/${santa.giver_id === group.admin.id ? group.admin.token : members.find((m) => m.id === santa.giver_id)!.token}`)).text();
    expect(santaPage).toContain('<a href="https://example.org/book" rel="noopener noreferrer nofollow">Book</a>');
    const json = await app.request(`/santa/g/${members[1]!.token}/draw.json`);
    expect(json.status).toBe(200);
    expectCapabilityHeaders(json);
    expect((await json.json()).draw.seed).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lets a member send messages, rename themself and leave through forms', async () => {
    const { group, members } = await groupWith(app, ['Bob', 'Cy']);
    await draw(app, group);
    const base = `/santa/g/${members[0]!.token}`;
    expect((await postForm(`${base}/messages`, { to: 'giftee', text: 'Hi <there>' })).headers.get('location')).toBe(`${base}?notice=sent`);
    expect(await (await app.request(base)).text()).toContain('Hi &lt;there&gt;');
    expect((await postForm(`${base}/messages`, { to: 'giftee', text: '   ' })).headers.get('location')).toBe(`${base}?notice=validation_failed`);
    await postForm(`${base}/me`, { name: 'Robert', email: 'rob@example.org' });
    expect((await call(app, '/me', members[0]!.token)).body.member).toMatchObject({ name: 'Robert', email: 'rob@example.org' });
    const late = await join(app, group, 'Late');
    const left = await postForm(`/santa/g/${late.token}/leave`, {});
    expect(left.headers.get('location')).toBe('/santa/?notice=removed');
    expect((await app.request(`/santa/g/${late.token}`)).status).toBe(404);
  });

  it('says so when a page shows only part of a list: members, exclusions, e-mails and messages just past their cut', async () => {
    const { group, members } = await groupWith(app, ['Bob', 'Cy']);
    const db = app.platform.deps.db;
    const small = await (await app.request(`/santa/g/${group.admin.token}/admin`)).text();
    expect(small).not.toContain('class="notice cut"');
    await draw(app, group);
    await sql`INSERT INTO santa.members (id, group_id, name, role, participating)
      SELECT gen_random_uuid(), ${group.id}, 'Extra ' || i, 'member', true FROM generate_series(1, 499) i`.execute(db);
    await sql`INSERT INTO santa.exclusions (id, group_id, giver_id, receiver_id)
      SELECT gen_random_uuid(), ${group.id}, m.id, ${group.admin.id} FROM santa.members m WHERE m.group_id = ${group.id} AND m.id <> ${group.admin.id} ORDER BY m.seq`.execute(db);
    await sql`INSERT INTO santa.outbox (group_id, member_id, kind, to_address, status)
      SELECT ${group.id}, ${group.admin.id}, 'link', 'ann@example.org', 'not_sent' FROM generate_series(1, 101)`.execute(db);
    const bob = members[0]!;
    const giftee = (await call(app, `/groups/${group.id}/assignment`, bob.token)).body.giftee.id;
    await sql`INSERT INTO santa.messages (draw_id, giver_id, receiver_id, author_id, text)
      SELECT d.id, ${bob.id}, ${giftee}, ${bob.id}, 'message ' || i FROM santa.draws d, generate_series(1, 1001) i WHERE d.group_id = ${group.id} ORDER BY i`.execute(db);

    const admin = await (await app.request(`/santa/g/${group.admin.token}/admin`)).text();
    expect(admin).toContain('Showing the first 500 of 502 members.');
    expect(admin).toContain('Showing the first 500 of 501 exclusions.');
    expect(admin).toContain('Showing the latest 100 of 101 e-mails.');
    expect(admin).not.toContain('Extra 498</td>');
    expect(admin).toContain('Extra 498 does not give to Ann');
    expect(admin).not.toMatch(/<li>\? |give to \? /);
    const page = await (await app.request(`/santa/g/${bob.token}`)).text();
    expect(page).toContain('Showing the first 500 of 502 members.');
    expect(page).toContain('Only the latest 1000 messages are shown.');
    expect(page).toContain('</strong> message 1001</li>');
    expect(page).toContain('</strong> message 2</li>');
    expect(page).not.toContain('</strong> message 1</li>');
    expect(page.indexOf('message 2<')).toBeLessThan(page.indexOf('message 1001<'));
  });
});
