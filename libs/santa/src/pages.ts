import { HttpError, parseOrThrow } from '@platform/platform';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { html, type SafeHtml } from './html';
import { createGroupFromForm, formText, settingsFromForm, validationMessages, wishlistFromForm } from './page-forms';
import { errorPage, sendPage, setCapabilityHeaders, STYLESHEET } from './page-layout';
import * as s from './schemas';
import type { Caller, SantaService } from './service';
import { dateOnly } from './views';

const form = express.urlencoded({ extended: false, limit: '1mb' });

const NOTICES: Record<string, string> = {
  saved: 'Saved.',
  drawn: 'Names are drawn.',
  revealed: 'The draw is revealed.',
  sent: 'Sent.',
  rotated: 'The invite link changed; the old one no longer works.',
  removed: 'Removed.',
  name_taken: 'Another member already has this name.',
  group_full: 'The group is full.',
  already_drawn: 'Names are drawn already; tick "redraw" to draw again.',
  already_revealed: 'The draw is revealed already.',
  too_few_participants: 'A draw needs at least 3 participants.',
  draw_infeasible: 'The draw is impossible with these exclusions (see below).',
  draw_search_exhausted: 'The draw gave up searching (see below).',
  draw_repair_impossible: 'Removing this member would break the draw; redraw instead.',
  admin_cannot_leave: 'The admin cannot leave the group.',
  exclusion_exists: 'That exclusion exists already.',
  unknown_member: 'Pick two current members.',
  no_email: 'This member has no e-mail address.',
  rate_limited: 'Too many invitations this hour; try later.',
  not_drawn: 'Names are not drawn yet.',
  not_assigned: 'You are not part of the current draw.',
  validation_failed: 'Some fields were not valid.',
  not_found: 'Not found.',
};

function noticeOf(req: Request): SafeHtml | string {
  const code = typeof req.query.notice === 'string' ? req.query.notice : undefined;
  return code && NOTICES[code] ? html`<p class="notice" role="status">${NOTICES[code]}</p>` : '';
}

const budgetText = (budget: { amount: number; currency: string } | null) => (budget ? `${budget.amount.toFixed(2)} ${budget.currency}` : 'none');

/** Plain HTML pages: every write is a form that posts under the capability URL and answers 303. */
export function mountPages(router: Router, service: SantaService): void {
  router.get('/static/santa.css', (_req, res) => {
    res.setHeader('Content-Type', 'text/css; charset=utf-8');
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.send(STYLESHEET);
  });

  router.get('/', (_req, res) => landing(res, 200, {}, []));
  router.post('/', form, async (req, res) => {
    const values = (req.body ?? {}) as Record<string, unknown>;
    try {
      const created = await service.createGroup(parseOrThrow(s.createGroupBody, createGroupFromForm(values), 'form'));
      res.redirect(303, `/santa/g/${created.admin_token}/admin`);
    } catch (error) {
      landing(res, 422, values, validationMessages(error));
    }
  });

  router.get('/join/:code', async (req, res) => {
    const group = await service.groupByInvite(req.params.code!).catch(() => undefined);
    if (!group) return errorPage(res, 404, 'This invite link is not valid');
    joinPage(res, 200, service, group, {}, []);
  });
  router.post('/join/:code', form, async (req, res) => {
    const group = await service.groupByInvite(req.params.code!).catch(() => undefined);
    if (!group) return errorPage(res, 404, 'This invite link is not valid');
    const values = (req.body ?? {}) as Record<string, unknown>;
    try {
      const body = parseOrThrow(s.joinBody, { invite_code: req.params.code, name: formText(values, 'name') ?? '', email: formText(values, 'email') }, 'form');
      const joined = await service.join(body);
      res.redirect(303, `/santa/g/${joined.member_token}`);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 422;
      joinPage(res, status, service, group, values, validationMessages(error));
    }
  });

  const withCaller =
    (admin: boolean, handler: (caller: Caller, req: Request, res: Response, token: string) => Promise<void>): RequestHandler =>
    async (req, res) => {
      const token = String(req.params.token);
      const caller = await service.callerForToken(token).catch((error: unknown) => {
        if (error instanceof HttpError && error.status === 401) return undefined;
        throw error;
      });
      if (!caller) return errorPage(res, 404, 'This link is not valid (any more)', true);
      if (admin && caller.member.role !== 'admin') return errorPage(res, 403, 'Only the organiser may open this page', true);
      await handler(caller, req, res, token);
    };

  router.get('/g/:token', withCaller(false, (caller, req, res, token) => memberPage(service, caller, req, res, token)));
  router.get('/g/:token/admin', withCaller(true, (caller, req, res, token) => adminPage(service, caller, req, res, token)));
  router.get(
    '/g/:token/draw.json',
    withCaller(false, async (caller, _req, res) => {
      const draw = await service.drawById(caller, 'current').catch(() => undefined);
      setCapabilityHeaders(res);
      if (!draw) return void res.status(404).json({ error: { code: 'not_drawn', message: 'The group has no current draw', details: null } });
      res.json(draw);
    }),
  );

  const action = (admin: boolean, path: string, run: (caller: Caller, values: Record<string, unknown>, req: Request) => Promise<string | void>) =>
    router.post(
      `/g/:token${admin ? '/admin' : ''}${path}`,
      form,
      withCaller(admin, async (caller, req, res, token) => {
        const back = `/santa/g/${token}${admin ? '/admin' : ''}`;
        try {
          const next = await run(caller, (req.body ?? {}) as Record<string, unknown>, req);
          res.redirect(303, next ?? `${back}?notice=saved`);
        } catch (error) {
          if (!(error instanceof HttpError)) throw error;
          res.redirect(303, `${back}?notice=${encodeURIComponent(error.code)}`);
        }
      }),
    );

  action(false, '/wishlist', async (caller, values) => {
    await service.putWishlist(caller, parseOrThrow(s.wishlistBody, wishlistFromForm(values), 'form').items);
  });
  action(false, '/me', async (caller, values) => {
    await service.patchMe(caller, parseOrThrow(s.patchMeBody, { name: formText(values, 'name') ?? '', email: formText(values, 'email') ?? null }, 'form'));
  });
  action(false, '/messages', async (caller, values, req) => {
    await service.sendMessage(caller, parseOrThrow(s.messageBody, { to: formText(values, 'to'), text: typeof values.text === 'string' ? values.text : '' }, 'form'));
    return `/santa/g/${String(req.params.token)}?notice=sent`;
  });
  action(false, '/leave', async (caller) => {
    await service.removeMember(caller, caller.member.id);
    return '/santa/?notice=removed';
  });
  action(true, '/invite-code', async (caller, _values, req) => {
    await service.rotateInvite(caller);
    return `/santa/g/${String(req.params.token)}/admin?notice=rotated`;
  });
  action(true, '/members', async (caller, values) => {
    await service.adminAddMember(caller, parseOrThrow(s.addMemberBody, { name: formText(values, 'name') ?? '', email: formText(values, 'email') ?? '' }, 'form'));
  });
  action(true, '/members/:mid/remove', async (caller, _values, req) => {
    await service.removeMember(caller, String(req.params.mid));
    return `/santa/g/${String(req.params.token)}/admin?notice=removed`;
  });
  action(true, '/members/:mid/resend', async (caller, _values, req) => {
    await service.resendLink(caller, String(req.params.mid));
    return `/santa/g/${String(req.params.token)}/admin?notice=sent`;
  });
  action(true, '/exclusions', async (caller, values) => {
    await service.addExclusion(
      caller,
      parseOrThrow(s.exclusionBody, { giver_id: formText(values, 'giver_id'), receiver_id: formText(values, 'receiver_id'), mutual: formText(values, 'mutual') !== undefined }, 'form'),
    );
  });
  action(true, '/exclusions/:id/delete', async (caller, _values, req) => {
    await service.deleteExclusion(caller, String(req.params.id));
  });
  action(true, '/settings', async (caller, values) => {
    await service.patchGroup(caller, parseOrThrow(s.patchGroupBody, settingsFromForm(values), 'form'));
  });
  action(true, '/draw', async (caller, values, req) => {
    await service.draw(caller, formText(values, 'redraw') !== undefined);
    return `/santa/g/${String(req.params.token)}/admin?notice=drawn`;
  });
  action(true, '/reveal', async (caller, _values, req) => {
    await service.reveal(caller);
    return `/santa/g/${String(req.params.token)}/admin?notice=revealed`;
  });
}

function landing(res: Response, status: number, values: Record<string, unknown>, errors: string[]): void {
  const v = (name: string) => formText(values, name) ?? '';
  sendPage(
    res,
    status,
    'Secret Santa',
    html`<h1>Secret Santa</h1>
<p>Draw names for a gift exchange. Everybody gets a private link, sees only the person they give to, keeps a wishlist that only their santa reads,
and can write to their santa or giftee anonymously. The draw is verifiable: its commitment is published before anyone learns a name, and the
seed afterwards, so anyone can recompute it.</p>
${errors.length ? html`<div class="errors" role="alert"><ul>${errors.map((e) => html`<li>${e}</li>`)}</ul></div>` : ''}
<section><h2>Create a group</h2>
<form method="post" action="/santa/">
<label>Group name <input type="text" name="name" required maxlength="100" value="${v('name')}"></label>
<label>Your name <input type="text" name="admin_name" required maxlength="60" value="${v('admin_name')}"></label>
<label>Your e-mail (optional) <input type="email" name="admin_email" value="${v('admin_email')}"></label>
<label>Mode <select name="mode"><option value="cycle"${v('mode') !== 'any' ? html` selected` : ''}>One loop through everybody</option><option value="any"${v('mode') === 'any' ? html` selected` : ''}>Any assignment</option></select></label>
<label>Budget amount <input type="number" name="budget_amount" min="0.01" step="0.01" value="${v('budget_amount')}"></label>
<label>Budget currency <input type="text" name="budget_currency" maxlength="3" placeholder="EUR" value="${v('budget_currency')}"></label>
<label>Exchange date <input type="date" name="exchange_date" value="${v('exchange_date')}"></label>
<label><input type="checkbox" name="organizer_only" value="1"${v('organizer_only') ? html` checked` : ''}> I only organise and do not take part</label>
<button type="submit">Create the group</button>
</form></section>`,
  );
}

function joinPage(res: Response, status: number, service: SantaService, group: Parameters<SantaService['budgetOf']>[0], values: Record<string, unknown>, errors: string[]): void {
  const v = (name: string) => formText(values, name) ?? '';
  sendPage(
    res,
    status,
    group.name,
    html`<h1>Join “${group.name}”</h1>
<p>Budget: ${budgetText(service.budgetOf(group))} · Exchange date: ${dateOnly(group.exchange_date) ?? 'not set'}</p>
${errors.length ? html`<div class="errors" role="alert"><ul>${errors.map((e) => html`<li>${e}</li>`)}</ul></div>` : ''}
<form method="post" action="/santa/join/${group.invite_code}">
<label>Your name <input type="text" name="name" required maxlength="60" value="${v('name')}"></label>
<label>Your e-mail (optional, to get your link) <input type="email" name="email" value="${v('email')}"></label>
<button type="submit">Join</button>
</form>`,
    { capability: true },
  );
}

/** How much of each list a page renders; a cut list says so (`cutNote`). */
const PAGE_MEMBERS = 500;
const PAGE_EXCLUSIONS = 500;
const PAGE_EMAILS = 100;
const PAGE_MESSAGES = 1000;

async function pageMembers(service: SantaService, caller: Caller) {
  return (await service.members(caller, { limit: PAGE_MEMBERS })).members;
}

const cutNote = (shown: number, total: number, which: 'first' | 'latest', noun: string) =>
  total > shown ? html`<p class="notice cut">Showing the ${which} ${shown} of ${total} ${noun}.</p>` : '';

async function memberPage(service: SantaService, caller: Caller, req: Request, res: Response, token: string): Promise<void> {
  const base = `/santa/g/${token}`;
  const [{ group }, members, wishlist, assignment] = await Promise.all([
    service.group(caller),
    pageMembers(service, caller),
    service.wishlist(caller),
    service.assignmentForToken(token, caller.group.id).catch(() => undefined),
  ]);
  const giftee = assignment?.giftee;
  const threads = [];
  if (assignment) {
    const both = await service.threadsFor(caller, assignment.draw_id, assignment.giftee.id, PAGE_MESSAGES);
    if (both.cut) threads.push(html`<p class="notice cut">Only the latest ${PAGE_MESSAGES} messages are shown.</p>`);
    for (const withWhom of ['giftee', 'santa'] as const) {
      threads.push(
        html`<section><h2>${withWhom === 'giftee' ? `Messages with ${giftee!.name} (your giftee)` : 'Messages with your santa'}</h2>
<ul class="thread">${both[withWhom].map((m) => html`<li><strong>${m.from === 'me' ? 'You' : m.from === 'giftee' ? giftee!.name : 'Santa'}:</strong> ${m.text}</li>`)}</ul>
<form method="post" action="${base}/messages"><input type="hidden" name="to" value="${withWhom}">
<label>Message <textarea name="text" rows="2" maxlength="2000" required></textarea></label><button type="submit">Send</button></form></section>`,
      );
    }
  }
  sendPage(
    res,
    200,
    group.name,
    html`<h1>${group.name}</h1>${noticeOf(req)}
<p>Hello ${caller.member.name}. Budget: ${budgetText(group.budget)} · Exchange date: ${group.exchange_date ?? 'not set'}</p>
${caller.member.role === 'admin' ? html`<p><a href="${base}/admin">Organiser page</a></p>` : ''}
<section><h2>Draw</h2>
${group.draw ? html`<p>Draw #${group.draw.number} (${group.status}). Commitment: <code id="commitment">${group.draw.commitment}</code></p>` : html`<p id="draw-status">Names are not drawn yet.</p>`}
${giftee ? html`<p>You give a present to <strong id="giftee">${giftee.name}</strong>.</p>
<h3>Their wishlist</h3><ul id="giftee-wishlist">${giftee.wishlist.items.map((item) => html`<li>${'url' in item && item.url ? html`<a href="${item.url}" rel="noopener noreferrer nofollow">${item.text}</a>` : item.text}</li>`)}</ul>` : ''}
${assignment?.santa ? html`<p>Your santa was <strong id="santa">${assignment.santa.name}</strong>.</p>` : ''}
${group.status === 'revealed' ? html`<p><a href="${base}/draw.json">The draw as JSON (seed, input, pairs) to verify it</a></p>` : ''}
</section>
${threads}
<section><h2>Members</h2>${cutNote(members.length, group.member_count, 'first', 'members')}<ul id="members">${members.map((m) => html`<li>${m.name}</li>`)}</ul></section>
<section><h2>Your wishlist</h2>
<form method="post" action="${base}/wishlist"><label>One wish per line; put a link after the text if you like
<textarea name="items" rows="5">${wishlist.items.map((item) => `${item.text}${'url' in item && item.url ? ` ${item.url}` : ''}\n`).join('')}</textarea></label>
<button type="submit">Save wishlist</button></form></section>
<section><h2>You</h2>
<form method="post" action="${base}/me"><label>Name <input type="text" name="name" maxlength="60" required value="${caller.member.name}"></label>
<label>E-mail <input type="email" name="email" value="${caller.member.email ?? ''}"></label><button type="submit">Save</button></form>
${caller.member.role === 'admin' ? '' : html`<form method="post" action="${base}/leave"><button type="submit">Leave the group</button></form>`}
</section>`,
    { capability: true },
  );
}

async function adminPage(service: SantaService, caller: Caller, req: Request, res: Response, token: string): Promise<void> {
  const base = `/santa/g/${token}/admin`;
  const [{ group }, members, exclusions, emails, failure] = await Promise.all([
    service.group(caller),
    pageMembers(service, caller),
    service.exclusions(caller, { limit: PAGE_EXCLUSIONS }),
    service.emails(caller, { limit: PAGE_EMAILS }),
    service.lastDrawFailure(caller.group.id),
  ]);
  const listed = new Map<string, string | null>(members.map((m) => [m.id, m.name]));
  const unlisted = new Set(
    [...exclusions.exclusions.flatMap((e) => [e.giver_id, e.receiver_id]), ...emails.emails.flatMap((e) => (e.member_id ? [e.member_id] : []))].filter((id) => !listed.has(id)),
  );
  const [exclusionTotal, emailTotal, others] = await Promise.all([
    exclusions.next_cursor ? service.countExclusions(caller) : exclusions.exclusions.length,
    emails.next_cursor ? service.countEmails(caller) : emails.emails.length,
    unlisted.size ? service.memberNames(caller, [...unlisted]) : new Map<string, string | null>(),
  ]);
  const nameOf = new Map([...listed, ...others]);
  const options = (name: string) => html`<select name="${name}">${members.map((m) => html`<option value="${m.id}">${m.name}</option>`)}</select>`;
  sendPage(
    res,
    200,
    `${group.name} (organiser)`,
    html`<h1>${group.name}</h1>${noticeOf(req)}
<p><a href="/santa/g/${token}">Your own member page</a></p>
<section><h2>Invite link</h2><p><code id="invite-url">${group.invite_url}</code></p>
<form method="post" action="${base}/invite-code"><button type="submit">Make a new invite link</button></form></section>
<section><h2>Draw</h2>
<p id="draw-status">${group.draw ? `Draw #${group.draw.number} (${group.status}), commitment ${group.draw.commitment}` : 'Names are not drawn yet.'}</p>
${failure ? html`<p class="errors" id="draw-failure">Last draw failed: ${failure.message}</p>` : ''}
<form method="post" action="${base}/draw">${group.draw ? html`<label><input type="checkbox" name="redraw" value="1"> Redraw (replaces the current draw)</label>` : ''}
<button type="submit" id="draw">${group.draw ? 'Draw again' : 'Draw names'}</button></form>
${group.draw && group.status !== 'revealed' ? html`<form method="post" action="${base}/reveal"><p class="warning">Revealing publishes every pair and the draw's input, which lists all exclusions.</p><button type="submit">Reveal the draw</button></form>` : ''}
</section>
<section><h2>Members (${group.member_count}, ${group.participant_count} taking part)</h2>
${cutNote(members.length, group.member_count, 'first', 'members')}
<table id="member-table"><tr><th>Name</th><th>E-mail</th><th></th></tr>
${members.map(
  (m) => html`<tr><td>${m.name}${m.role === 'admin' ? ' (organiser)' : ''}</td><td>${'has_email' in m && m.has_email ? 'yes' : 'no'}</td><td>
${m.role === 'admin' ? '' : html`<form class="inline" method="post" action="${base}/members/${m.id}/remove"><button type="submit">Remove</button></form>`}
${'has_email' in m && m.has_email ? html`<form class="inline" method="post" action="${base}/members/${m.id}/resend"><button type="submit">Resend link</button></form>` : ''}</td></tr>`,
)}</table>
<h3>Add a member by e-mail</h3>
<form method="post" action="${base}/members"><label>Name <input type="text" name="name" maxlength="60" required></label>
<label>E-mail <input type="email" name="email" required></label><button type="submit">Add and invite</button></form></section>
<section><h2>Exclusions</h2><p class="warning">Only you see them until the reveal, which publishes them.</p>
${cutNote(exclusions.exclusions.length, exclusionTotal, 'first', 'exclusions')}
<ul>${exclusions.exclusions.map(
      (e) =>
        html`<li>${nameOf.get(e.giver_id) ?? '?'} does not give to ${nameOf.get(e.receiver_id) ?? '?'} <form class="inline" method="post" action="${base}/exclusions/${e.id}/delete"><button type="submit">Delete</button></form></li>`,
    )}</ul>
<form method="post" action="${base}/exclusions"><label>Giver ${options('giver_id')}</label><label>must not give to ${options('receiver_id')}</label>
<label><input type="checkbox" name="mutual" value="1"> Both ways</label><button type="submit">Add exclusion</button></form></section>
<section><h2>Settings</h2>
<form method="post" action="${base}/settings"><label>Name <input type="text" name="name" maxlength="100" required value="${group.name}"></label>
<label>Mode <select name="mode"><option value="cycle"${group.mode === 'cycle' ? html` selected` : ''}>One loop</option><option value="any"${group.mode === 'any' ? html` selected` : ''}>Any assignment</option></select></label>
<label><input type="checkbox" name="avoid_previous" value="1"${group.avoid_previous ? html` checked` : ''}> Avoid last draw's pairs</label>
<label>Budget amount <input type="number" name="budget_amount" min="0.01" step="0.01" value="${group.budget?.amount ?? ''}"></label>
<label>Budget currency <input type="text" name="budget_currency" maxlength="3" value="${group.budget?.currency ?? ''}"></label>
<label>Exchange date <input type="date" name="exchange_date" value="${group.exchange_date ?? ''}"></label>
<button type="submit">Save settings</button></form></section>
<section><h2>E-mails</h2>${cutNote(emails.emails.length, emailTotal, 'latest', 'e-mails')}<table id="emails"><tr><th>Kind</th><th>To</th><th>Status</th><th>Attempts</th><th>Last error</th></tr>
${emails.emails.map((e) => html`<tr><td>${e.kind}</td><td>${nameOf.get(e.member_id ?? '') ?? 'former member'}</td><td>${e.status}</td><td>${e.attempts}</td><td>${e.last_error ?? ''}</td></tr>`)}</table></section>`,
    { capability: true },
  );
}
