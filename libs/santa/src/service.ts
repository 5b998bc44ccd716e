import { randomBytes, randomUUID } from 'node:crypto';
import { HttpError, type Redis } from '@platform/platform';
import type { SantaConfig } from './config';
import { buildDrawInput, drawAssignment, drawCommitment, joinSpot } from './draw';
import type { EmailRequest, Emails } from './emails';
import { forbidden, notAssigned, notDrawn, notFoundError, rethrowNameTaken, unauthenticated, validationError } from './errors';
import type { SantaMetrics } from './metrics';
import { decodeCursor, DEFAULT_LIMIT, page } from './pagination';
import * as repo from './repository';
import type { Db, DrawRow, GroupRow, MemberRow } from './repository';
import type { CreateGroupBody, PatchGroupBody } from './schemas';
import { hashToken, mintToken, newInviteCode, TOKEN_PATTERN } from './tokens';
import { describeDrawFailure, type DrawFailure } from './draw-failure';
import { budgetOf, drawSummary, groupView, iso, memberView, meView } from './views';

export interface Caller {
  member: MemberRow;
  group: GroupRow;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isUuid = (value: string) => UUID.test(value);

export interface ServiceDeps {
  db: Db;
  config: SantaConfig;
  emails: Emails;
  metrics: SantaMetrics;
  redis: Redis;
  key: (...parts: string[]) => string;
}

/** What a transaction leaves for after it ends: outbox ids to dispatch on commit, compensations to run on rollback. */
type Pending = { ids: number[]; onRollback: (() => Promise<unknown>)[] };

export class SantaService {
  constructor(private readonly deps: ServiceDeps) {}

  private get db() {
    return this.deps.db;
  }

  private url(path: string) {
    return `${this.deps.config.publicUrl}/santa${path}`;
  }

  /** Runs `work` in one transaction, then hands its outbox rows to the queue after the commit, or undoes its side effects after a rollback. */
  private async transaction<T>(work: (trx: Db, pending: Pending) => Promise<T>): Promise<T> {
    const pending: Pending = { ids: [], onRollback: [] };
    let result: T;
    try {
      result = await this.db.transaction().execute((trx) => work(trx, pending));
    } catch (error) {
      await Promise.all(pending.onRollback.map((undo) => undo().catch(() => undefined)));
      throw error;
    }
    await this.deps.emails.dispatch(pending.ids);
    return result;
  }

  /** Mints one token per request and writes the e-mails that carry them. */
  private async sendMails(trx: Db, pending: Pending, requests: Omit<EmailRequest, 'token'>[]): Promise<number[]> {
    if (!requests.length) return [];
    const minted = requests.map(() => mintToken());
    await repo.insertTokens(trx, minted.map((t, i) => ({ token_hash: t.hash, member_id: requests[i]!.memberId })));
    const ids = await this.deps.emails.enqueue(trx, requests.map((r, i) => ({ ...r, token: minted[i]!.token })));
    pending.ids.push(...ids);
    return ids;
  }

  // --- capabilities ---

  async authenticate(authorization: string | undefined): Promise<Caller> {
    const match = /^Bearer ([^\s]+)$/.exec(authorization ?? '');
    if (!match || !TOKEN_PATTERN.test(match[1]!)) throw unauthenticated();
    return this.callerForToken(match[1]!);
  }

  async callerForToken(token: string): Promise<Caller> {
    if (!TOKEN_PATTERN.test(token)) throw unauthenticated();
    const found = await repo.findMemberByTokenHash(this.db, hashToken(token));
    if (!found) throw unauthenticated();
    return found;
  }

  requireGroup(caller: Caller, groupId: string): void {
    if (!isUuid(groupId) || groupId !== caller.group.id) throw notFoundError('No such group');
  }

  requireAdmin(caller: Caller): void {
    if (caller.member.role !== 'admin') throw forbidden();
  }

  // --- groups and membership ---

  async createGroup(body: CreateGroupBody) {
    const admin = mintToken();
    return this.transaction(async (trx, pending) => {
      const group = await repo.insertGroup(trx, {
        id: randomUUID(),
        name: body.name,
        mode: body.mode,
        avoid_previous: body.avoid_previous,
        budget_amount: body.budget ? body.budget.amount.toFixed(2) : null,
        budget_currency: body.budget?.currency ?? null,
        exchange_date: body.exchange_date ?? null,
        invite_code: newInviteCode(),
      });
      const member = await repo.insertMember(trx, {
        id: randomUUID(),
        group_id: group.id,
        name: body.admin_name,
        email: body.admin_email ?? null,
        role: 'admin',
        participating: body.admin_participates,
      });
      await repo.insertTokens(trx, [{ token_hash: admin.hash, member_id: member.id }]);
      if (member.email) await this.sendMails(trx, pending, [this.mailTo(group, member, 'link')]);
      return {
        group: groupView(group, member, { members: 1, participants: member.participating ? 1 : 0 }, undefined, this.deps.config.publicUrl),
        admin_token: admin.token,
        member_id: member.id,
        member_url: this.url(`/g/${admin.token}`),
        admin_url: this.url(`/g/${admin.token}/admin`),
        invite_url: this.url(`/join/${group.invite_code}`),
      };
    });
  }

  private mailTo(group: GroupRow, member: Pick<MemberRow, 'id' | 'name' | 'email'>, kind: EmailRequest['kind']): Omit<EmailRequest, 'token'> {
    return { groupId: group.id, groupName: group.name, memberId: member.id, memberName: member.name, to: member.email!, kind };
  }

  async groupByInvite(code: string): Promise<GroupRow> {
    const group = /^[A-Za-z0-9_-]{1,100}$/.test(code) ? await repo.findGroupByInvite(this.db, code) : undefined;
    if (!group) throw notFoundError('No group has this invite code');
    return group;
  }

  async join(body: { invite_code: string; name: string; email?: string | undefined }) {
    const token = mintToken();
    return this.transaction(async (trx, pending) => {
      const group = /^[A-Za-z0-9_-]{1,100}$/.test(body.invite_code) ? await repo.lockGroupByInvite(trx, body.invite_code) : undefined;
      if (!group) throw notFoundError('No group has this invite code');
      const member = await this.addMember(trx, pending, group, { name: body.name, email: body.email ?? null }, 'link');
      await repo.insertTokens(trx, [{ token_hash: token.hash, member_id: member.id }]);
      return { group_id: group.id, member: meView(member), member_token: token.token, member_url: this.url(`/g/${token.token}`) };
    });
  }

  /** A new participant under the group lock: capacity, the name index, its e-mail and the §8 join change. */
  private async addMember(trx: Db, pending: Pending, group: GroupRow, who: { name: string; email: string | null }, kind: 'link' | 'invitation') {
    const { members } = await repo.countMembers(trx, group.id);
    if (members >= this.deps.config.SANTA_MAX_MEMBERS) {
      throw new HttpError(409, 'group_full', `A group holds at most ${this.deps.config.SANTA_MAX_MEMBERS} members`);
    }
    const member = await repo
      .insertMember(trx, { id: randomUUID(), group_id: group.id, name: who.name, email: who.email, role: 'member', participating: true })
      .catch(rethrowNameTaken);
    const mails: Omit<EmailRequest, 'token'>[] = member.email ? [this.mailTo(group, member, kind)] : [];
    const draw = await repo.findActiveDraw(trx, group.id);
    if (draw && !draw.revealed_at) {
      const pairs = (await repo.currentPairs(trx, draw.id)).sort((a, b) => (a.giver_id < b.giver_id ? -1 : a.giver_id > b.giver_id ? 1 : 0));
      const spot = pairs[joinSpot(draw.seed, draw.change_count + 1, pairs.length)]!;
      await repo.setReceiver(trx, draw.id, spot.giver_id, member.id);
      await repo.insertPair(trx, draw.id, { giver_id: member.id, receiver_id: spot.receiver_id });
      await repo.recordChange(trx, draw.id, 'join', member.id, spot.giver_id);
      const [giver] = await repo.membersByIds(trx, [spot.giver_id]);
      if (giver?.email) mails.push(this.mailTo(group, giver, 'change'));
    }
    await this.sendMails(trx, pending, mails);
    return member;
  }

  async me(caller: Caller) {
    return { group_id: caller.group.id, member: meView(caller.member) };
  }

  async patchMe(caller: Caller, body: { name?: string | undefined; email?: string | null | undefined }) {
    const values: { name?: string; email?: string | null } = {};
    if (body.name !== undefined) values.name = body.name;
    if (body.email !== undefined) values.email = body.email;
    if (!Object.keys(values).length) return { member: meView(caller.member) };
    const member = await repo.updateMember(this.db, caller.member.id, values).catch(rethrowNameTaken);
    return { member: meView(member) };
  }

  /** Leaving or removal: §8 repair of an unrevealed draw, else a plain soft delete. */
  async removeMember(caller: Caller, memberId: string) {
    return this.transaction(async (trx, pending) => {
      const group = (await repo.lockGroup(trx, caller.group.id))!;
      const target = isUuid(memberId) ? await repo.findCurrentMember(trx, group.id, memberId) : undefined;
      if (!target) throw notFoundError('No such member');
      if (target.role === 'admin') throw new HttpError(409, 'admin_cannot_leave', 'The admin cannot leave; delete the group instead');
      let drawChanged = false;
      const draw = await repo.findActiveDraw(trx, group.id);
      if (draw && !draw.revealed_at) {
        const [outgoing, incoming] = await Promise.all([repo.pairOfGiver(trx, draw.id, target.id), repo.pairOfReceiver(trx, draw.id, target.id)]);
        if (outgoing && incoming) {
          const s = incoming.giver_id;
          const t = outgoing.receiver_id;
          const drawExcluded = (JSON.parse(draw.input) as { exclusions: [string, string][] }).exclusions.some(([g, r]) => g === s && r === t);
          if (s === t || drawExcluded || (await repo.isExcluded(trx, group.id, s, t))) {
            throw new HttpError(409, 'draw_repair_impossible', 'Removing this member would leave their santa without an allowed giftee; redraw instead', {
              member_id: target.id,
            });
          }
          await repo.deletePairOfGiver(trx, draw.id, target.id);
          await repo.setReceiver(trx, draw.id, s, t);
          await repo.recordChange(trx, draw.id, 'leave', target.id, s);
          const [santa] = await repo.membersByIds(trx, [s]);
          if (santa?.email) await this.sendMails(trx, pending, [this.mailTo(group, santa, 'change')]);
          drawChanged = true;
        }
      }
      await repo.removeMember(trx, target.id);
      return { removed: true as const, draw_changed: drawChanged };
    });
  }

  async group(caller: Caller) {
    const [counts, draw] = await Promise.all([repo.countMembers(this.db, caller.group.id), repo.findActiveDraw(this.db, caller.group.id)]);
    return { group: groupView(caller.group, caller.member, counts, draw, this.deps.config.publicUrl) };
  }

  async members(caller: Caller, query: { limit?: number | undefined; cursor?: string | undefined }) {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const rows = await repo.listMembers(this.db, caller.group.id, decodeCursor(query.cursor, 0), limit + 1);
    const result = page(rows, limit, (row) => row.seq);
    return { members: result.rows.map((m) => memberView(m, caller.member.role === 'admin')), next_cursor: result.next_cursor };
  }

  async patchGroup(caller: Caller, body: PatchGroupBody) {
    const values: Partial<Omit<GroupRow, 'id' | 'created_at'>> = {};
    if (body.name !== undefined) values.name = body.name;
    if (body.mode !== undefined) values.mode = body.mode;
    if (body.avoid_previous !== undefined) values.avoid_previous = body.avoid_previous;
    if (body.budget !== undefined) {
      values.budget_amount = body.budget ? body.budget.amount.toFixed(2) : null;
      values.budget_currency = body.budget?.currency ?? null;
    }
    if (body.exchange_date !== undefined) values.exchange_date = body.exchange_date;
    const group = await repo.updateGroup(this.db, caller.group.id, values);
    return this.group({ ...caller, group });
  }

  async deleteGroup(caller: Caller) {
    await repo.deleteGroup(this.db, caller.group.id);
  }

  async rotateInvite(caller: Caller) {
    const group = await repo.updateGroup(this.db, caller.group.id, { invite_code: newInviteCode() });
    return { invite_code: group.invite_code, invite_url: this.url(`/join/${group.invite_code}`) };
  }

  /**
   * Fixed hourly window per group, shared by every gateway process through Redis. Called last inside the
   * transaction that writes the invitation, so a request refused for another reason takes no slot; the slot is
   * given back if that transaction rolls back, a refusal here included.
   */
  private async takeInvitation(groupId: string, pending: Pending): Promise<void> {
    const hour = Math.floor(Date.now() / 3_600_000);
    const key = this.deps.key('invites', groupId, String(hour));
    const [[, count]] = (await this.deps.redis.multi().incr(key).expire(key, 3_700).exec()) as [[unknown, number]];
    pending.onRollback.push(() => this.deps.redis.decr(key));
    if (count > this.deps.config.SANTA_INVITES_PER_HOUR) {
      const retryAfter = Math.max(1, Math.ceil(((hour + 1) * 3_600_000 - Date.now()) / 1000));
      throw new HttpError(429, 'rate_limited', 'Too many invitation e-mails for this group this hour', { retry_after_seconds: retryAfter }, {
        'Retry-After': String(retryAfter),
      });
    }
  }

  async adminAddMember(caller: Caller, body: { name: string; email: string }) {
    return this.transaction(async (trx, pending) => {
      const group = (await repo.lockGroup(trx, caller.group.id))!;
      const member = await this.addMember(trx, pending, group, body, 'invitation');
      await this.takeInvitation(group.id, pending);
      return { member: memberView(member, true) };
    });
  }

  async resendLink(caller: Caller, memberId: string) {
    const target = isUuid(memberId) ? await repo.findCurrentMember(this.db, caller.group.id, memberId) : undefined;
    if (!target) throw notFoundError('No such member');
    if (!target.email) throw new HttpError(409, 'no_email', 'This member has no e-mail address');
    const [id] = await this.transaction(async (trx, pending) => {
      const ids = await this.sendMails(trx, pending, [this.mailTo(caller.group, target, 'invitation')]);
      await this.takeInvitation(caller.group.id, pending);
      return ids;
    });
    return { email_id: id! };
  }

  async exclusions(caller: Caller, query: { limit?: number | undefined; cursor?: string | undefined }) {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const rows = await repo.listExclusions(this.db, caller.group.id, decodeCursor(query.cursor, 0), limit + 1);
    const result = page(rows, limit, (row) => row.seq);
    return {
      exclusions: result.rows.map((e) => ({ id: e.id, giver_id: e.giver_id, receiver_id: e.receiver_id, created_at: iso(e.created_at) })),
      next_cursor: result.next_cursor,
    };
  }

  async addExclusion(caller: Caller, body: { giver_id: string; receiver_id: string; mutual: boolean }) {
    const giver = body.giver_id.toLowerCase();
    const receiver = body.receiver_id.toLowerCase();
    const [a, b] = await Promise.all([repo.findCurrentMember(this.db, caller.group.id, giver), repo.findCurrentMember(this.db, caller.group.id, receiver)]);
    if (!a || !b) {
      throw new HttpError(422, 'unknown_member', 'Both ends must be current members of the group', {
        unknown: [...(a ? [] : [giver]), ...(b ? [] : [receiver])],
      });
    }
    const rows = [{ id: randomUUID(), group_id: caller.group.id, giver_id: giver, receiver_id: receiver }];
    if (body.mutual) rows.push({ id: randomUUID(), group_id: caller.group.id, giver_id: receiver, receiver_id: giver });
    const created = await repo.insertExclusions(this.db, rows);
    if (!created.length) throw new HttpError(409, 'exclusion_exists', 'These exclusions exist already');
    return { created: created.map((e) => ({ id: e.id, giver_id: e.giver_id, receiver_id: e.receiver_id, created_at: iso(e.created_at) })) };
  }

  async deleteExclusion(caller: Caller, id: string) {
    if (!isUuid(id) || !(await repo.deleteExclusion(this.db, caller.group.id, id))) throw notFoundError('No such exclusion');
  }

  async emails(caller: Caller, query: { limit?: number | undefined; cursor?: string | undefined }) {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const rows = await repo.listEmails(this.db, caller.group.id, decodeCursor(query.cursor, Number.MAX_SAFE_INTEGER), limit + 1);
    const result = page(rows, limit, (row) => Number(row.id));
    return {
      emails: result.rows.map((e) => ({ ...e, id: Number(e.id), created_at: iso(e.created_at), sent_at: iso(e.sent_at) })),
      next_cursor: result.next_cursor,
    };
  }

  // --- draws ---

  async draw(caller: Caller, redraw: boolean) {
    const started = process.hrtime.bigint();
    let mode: string = caller.group.mode;
    try {
      const draw = await this.transaction(async (trx, pending) => {
        const group = (await repo.lockGroup(trx, caller.group.id))!;
        mode = group.mode;
        const material = await repo.drawMaterial(trx, group.id, group.avoid_previous);
        if (material.activeId && !redraw) throw new HttpError(409, 'already_drawn', 'The group has a current draw; send {"redraw": true} to replace it');
        const { participants } = material;
        if (participants.length < 3) {
          throw new HttpError(422, 'too_few_participants', 'A draw needs at least 3 participants', { required: 3, actual: participants.length });
        }
        const drawId = randomUUID();
        const { input, json } = buildDrawInput({
          groupId: caller.group.id,
          drawId,
          mode: group.mode,
          participants: participants.map((p) => p.id),
          exclusions: [...material.exclusions, ...material.previous],
        });
        const seed = randomBytes(32);
        const outcome = drawAssignment(seed, input, this.deps.config.SANTA_SEARCH_LIMIT);
        if (!outcome.ok) throw this.drawFailure(outcome, participants);
        if (material.activeId) await repo.supersedeDraw(trx, material.activeId);
        const row = await repo.insertDrawWithPairs(
          trx,
          {
            id: drawId,
            group_id: caller.group.id,
            number: material.lastNumber + 1,
            status: 'active',
            mode: group.mode,
            avoid_previous: group.avoid_previous,
            participant_count: participants.length,
            seed,
            input: json,
            commitment: drawCommitment(seed, json),
          },
          outcome.pairs,
        );
        await this.sendMails(trx, pending, participants.filter((p) => p.email).map((p) => this.mailTo(group, p, 'draw')));
        return row;
      });
      this.deps.metrics.draws.inc({ mode, outcome: 'ok' });
      await this.deps.redis.del(this.deps.key('draw-failure', caller.group.id)).catch(() => undefined);
      return { draw: drawSummary(draw) };
    } catch (error) {
      if (error instanceof HttpError && ['already_drawn', 'too_few_participants', 'draw_infeasible', 'draw_search_exhausted'].includes(error.code)) {
        this.deps.metrics.draws.inc({ mode, outcome: error.code });
        if (error.code !== 'already_drawn') await this.rememberFailure(caller.group.id, error).catch(() => undefined);
      }
      throw error;
    } finally {
      this.deps.metrics.drawDuration.observe({ mode }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private drawFailure(outcome: Exclude<ReturnType<typeof drawAssignment>, { ok: true }>, participants: { id: string; name: string }[]): HttpError {
    if (outcome.code === 'draw_search_exhausted') {
      return new HttpError(422, 'draw_search_exhausted', `No assignment found within ${this.deps.config.SANTA_SEARCH_LIMIT} search steps`, {
        search_limit: this.deps.config.SANTA_SEARCH_LIMIT,
      });
    }
    const sorted = participants.map((p) => p.id).sort();
    const byId = new Map(participants.map((p) => [p.id, p.name]));
    const person = (index: number) => ({ id: sorted[index]!, name: byId.get(sorted[index]!)! });
    const info = outcome.infeasibility;
    const details: DrawFailure = { reason: info.reason, members: info.members.map(person) };
    if ('receivers' in info) details.receivers = info.receivers.map(person);
    if ('components' in info) details.components = info.components.map((c) => c.map(person));
    return new HttpError(422, 'draw_infeasible', describeDrawFailure(details), details);
  }

  private async rememberFailure(groupId: string, error: HttpError): Promise<void> {
    const value = JSON.stringify({ code: error.code, message: error.message, at: new Date().toISOString() });
    await this.deps.redis.set(this.deps.key('draw-failure', groupId), value, 'EX', 30 * 86_400);
  }

  async lastDrawFailure(groupId: string): Promise<{ code: string; message: string; at: string } | null> {
    const value = await this.deps.redis.get(this.deps.key('draw-failure', groupId));
    return value ? (JSON.parse(value) as { code: string; message: string; at: string }) : null;
  }

  async reveal(caller: Caller) {
    const draw = await this.db.transaction().execute(async (trx) => {
      await repo.lockGroup(trx, caller.group.id);
      const active = await repo.findActiveDraw(trx, caller.group.id);
      if (!active) throw notDrawn();
      if (active.revealed_at) throw new HttpError(409, 'already_revealed', 'The current draw is revealed already');
      return repo.revealDraw(trx, active.id);
    });
    return { draw: await this.drawDetail(draw) };
  }

  async draws(caller: Caller, query: { limit?: number | undefined; cursor?: string | undefined }) {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const rows = await repo.listDraws(this.db, caller.group.id, decodeCursor(query.cursor, 2 ** 31 - 1), limit + 1);
    const result = page(rows, limit, (row) => row.number);
    return { draws: result.rows.map(drawSummary), next_cursor: result.next_cursor };
  }

  async drawById(caller: Caller, id: string) {
    if (id === 'current') {
      const draw = await repo.findActiveDraw(this.db, caller.group.id);
      if (!draw) throw notDrawn();
      return { draw: await this.drawDetail(draw) };
    }
    const draw = isUuid(id) ? await repo.findDraw(this.db, caller.group.id, id) : undefined;
    if (!draw) throw notFoundError('No such draw');
    return { draw: await this.drawDetail(draw) };
  }

  async drawDetail(draw: DrawRow) {
    const summary = drawSummary(draw);
    if (!draw.revealed_at) return { ...summary, seed: null, input: null, initial_pairs: null, changes: null, pairs: null };
    const [changes, pairs] = await Promise.all([repo.listChanges(this.db, draw.id), repo.currentPairsWithNames(this.db, draw.id)]);
    return {
      ...summary,
      seed: draw.seed.toString('hex'),
      input: draw.input,
      initial_pairs: [...draw.initial_pairs].sort((a, b) => (a.giver_id < b.giver_id ? -1 : 1)),
      changes: changes.map((c) => ({ ...c, created_at: iso(c.created_at) })),
      pairs,
    };
  }

  // --- the member's side of a draw ---

  /** GET …/assignment: authentication, group check and the view in one query (the benchmarked path). */
  async assignment(authorization: string | undefined, groupId: string) {
    const match = /^Bearer ([^\s]+)$/.exec(authorization ?? '');
    if (!match) throw unauthenticated();
    return this.assignmentForToken(match[1]!, groupId);
  }

  async assignmentForToken(token: string, groupId: string) {
    if (!TOKEN_PATTERN.test(token)) throw unauthenticated();
    const view = await repo.assignmentByToken(this.db, hashToken(token));
    if (!view) throw unauthenticated();
    if (!isUuid(groupId) || view.group_id !== groupId) throw notFoundError('No such group');
    if (!view.draw_id) throw notDrawn();
    if (!view.giftee_id) throw notAssigned();
    return {
      draw_id: view.draw_id,
      giftee: {
        id: view.giftee_id,
        name: view.giftee_name!,
        wishlist: { items: (view.items ?? []).map(wishlistItem), updated_at: iso(view.wishlist_updated_at) },
      },
      santa: view.revealed && view.santa_id ? { id: view.santa_id, name: view.santa_name! } : null,
    };
  }

  async wishlist(caller: Caller) {
    const items = await repo.wishlistOf(this.db, caller.member.id);
    return { items: items.map(wishlistItem), updated_at: iso(caller.member.wishlist_updated_at) };
  }

  async putWishlist(caller: Caller, items: { text: string; url?: string | undefined }[]) {
    const updatedAt = await this.db.transaction().execute((trx) => repo.replaceWishlist(trx, caller.member.id, items));
    return { items: items.map((item) => wishlistItem({ text: item.text, url: item.url ?? null })), updated_at: iso(updatedAt) };
  }

  /** The thread of (current draw, giver, receiver) in which the caller holds the other role of `to`. */
  private async thread(caller: Caller, withWhom: 'giftee' | 'santa') {
    const draw = await repo.findActiveDraw(this.db, caller.group.id);
    if (!draw) throw notDrawn();
    const pair =
      withWhom === 'giftee' ? await repo.pairOfGiver(this.db, draw.id, caller.member.id) : await repo.pairOfReceiver(this.db, draw.id, caller.member.id);
    if (!pair) throw notAssigned();
    return { draw_id: draw.id, giver_id: pair.giver_id, receiver_id: pair.receiver_id };
  }

  async sendMessage(caller: Caller, body: { to: 'giftee' | 'santa'; text: string }) {
    const thread = await this.thread(caller, body.to);
    const row = await repo.insertMessage(this.db, { ...thread, author_id: caller.member.id, text: body.text });
    return { message: { id: Number(row.id), from: 'me' as const, text: row.text, created_at: iso(row.created_at) } };
  }

  async messages(caller: Caller, query: { with: 'giftee' | 'santa'; limit?: number | undefined; cursor?: string | undefined }) {
    const thread = await this.thread(caller, query.with);
    const limit = query.limit ?? DEFAULT_LIMIT;
    const rows = await repo.listMessages(this.db, thread, decodeCursor(query.cursor, 0), limit + 1);
    const result = page(rows, limit, (row) => Number(row.id));
    return {
      messages: result.rows.map((m) => ({
        id: Number(m.id),
        from: m.author_id === caller.member.id ? 'me' : query.with,
        text: m.text,
        created_at: iso(m.created_at),
      })),
      next_cursor: result.next_cursor,
    };
  }

  /**
   * The member page's two threads in one query, oldest first, cut to the latest `limit` messages (`cut` says so);
   * a thread is (draw, giver, receiver), so a changed pair starts empty.
   */
  async threadsFor(caller: Caller, drawId: string, gifteeId: string, limit: number) {
    const [latest, santaPair] = await Promise.all([
      repo.latestMessagesOfMember(this.db, drawId, caller.member.id, limit + 1),
      repo.pairOfReceiver(this.db, drawId, caller.member.id),
    ]);
    const rows = latest.slice(0, limit).reverse();
    const view = (m: (typeof rows)[number], other: 'giftee' | 'santa') => ({
      id: Number(m.id),
      from: m.author_id === caller.member.id ? ('me' as const) : other,
      text: m.text,
      created_at: iso(m.created_at),
    });
    return {
      giftee: rows.filter((m) => m.giver_id === caller.member.id && m.receiver_id === gifteeId).map((m) => view(m, 'giftee')),
      santa: rows.filter((m) => m.receiver_id === caller.member.id && m.giver_id === santaPair?.giver_id).map((m) => view(m, 'santa')),
      cut: latest.length > limit,
    };
  }

  async countExclusions(caller: Caller): Promise<number> {
    return repo.countExclusions(this.db, caller.group.id);
  }

  async countEmails(caller: Caller): Promise<number> {
    return repo.countEmails(this.db, caller.group.id);
  }

  /** Names of the group's members with these ids; a removed member's name is null. */
  async memberNames(caller: Caller, ids: string[]): Promise<Map<string, string | null>> {
    const rows = await repo.memberNames(this.db, caller.group.id, ids);
    return new Map(rows.map((m) => [m.id, m.removed_at ? null : m.name]));
  }

  budgetOf(group: GroupRow) {
    return budgetOf(group);
  }
}

function wishlistItem(item: { text: string; url: string | null }) {
  return item.url ? { text: item.text, url: item.url } : { text: item.text };
}

export { validationError };
