import { sql, type Kysely, type Selectable } from 'kysely';
import type { DrawsTable, EmailKind, GroupsTable, MembersTable, SantaDb } from './db';

export type Db = Kysely<SantaDb>;
export type GroupRow = Selectable<GroupsTable>;
export type MemberRow = Selectable<MembersTable>;
export type DrawRow = Selectable<DrawsTable>;
export type PairRow = { giver_id: string; receiver_id: string };

const T = (table: string) => sql.table(`santa.${table}`);


export async function findMemberByTokenHash(db: Db, hash: Buffer): Promise<{ member: MemberRow; group: GroupRow } | undefined> {
  const row = await db
    .selectFrom('member_tokens as t')
    .innerJoin('members as m', 'm.id', 't.member_id')
    .innerJoin('groups as g', 'g.id', 'm.group_id')
    .select([
      'm.id',
      'm.group_id',
      'm.seq',
      'm.name',
      'm.email',
      'm.role',
      'm.participating',
      'm.joined_at',
      'm.removed_at',
      'm.wishlist_updated_at',
      'g.name as g_name',
      'g.mode as g_mode',
      'g.avoid_previous as g_avoid_previous',
      'g.budget_amount as g_budget_amount',
      'g.budget_currency as g_budget_currency',
      'g.exchange_date as g_exchange_date',
      'g.invite_code as g_invite_code',
      'g.created_at as g_created_at',
    ])
    .where('t.token_hash', '=', hash)
    .where('m.removed_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const { g_name, g_mode, g_avoid_previous, g_budget_amount, g_budget_currency, g_exchange_date, g_invite_code, g_created_at, ...member } = row;
  return {
    member,
    group: {
      id: member.group_id,
      name: g_name,
      mode: g_mode,
      avoid_previous: g_avoid_previous,
      budget_amount: g_budget_amount,
      budget_currency: g_budget_currency,
      exchange_date: g_exchange_date,
      invite_code: g_invite_code,
      created_at: g_created_at,
    },
  };
}

export async function lockGroup(db: Db, groupId: string): Promise<GroupRow | undefined> {
  return db.selectFrom('groups').selectAll().where('id', '=', groupId).forUpdate().executeTakeFirst();
}

export async function lockGroupByInvite(db: Db, code: string): Promise<GroupRow | undefined> {
  return db.selectFrom('groups').selectAll().where('invite_code', '=', code).forUpdate().executeTakeFirst();
}

export async function findGroupByInvite(db: Db, code: string): Promise<GroupRow | undefined> {
  return db.selectFrom('groups').selectAll().where('invite_code', '=', code).executeTakeFirst();
}

export async function insertGroup(db: Db, group: Omit<GroupRow, 'created_at' | 'avoid_previous'> & { avoid_previous: boolean }): Promise<GroupRow> {
  return db.insertInto('groups').values(group).returningAll().executeTakeFirstOrThrow();
}

export async function updateGroup(db: Db, groupId: string, values: Partial<Omit<GroupRow, 'id' | 'created_at'>>): Promise<GroupRow> {
  return db.updateTable('groups').set(values).where('id', '=', groupId).returningAll().executeTakeFirstOrThrow();
}

export async function deleteGroup(db: Db, groupId: string): Promise<void> {
  await db.deleteFrom('groups').where('id', '=', groupId).execute();
}

export async function insertMember(
  db: Db,
  member: Pick<MemberRow, 'id' | 'group_id' | 'name' | 'email' | 'role' | 'participating'>,
): Promise<MemberRow> {
  return db.insertInto('members').values(member).returningAll().executeTakeFirstOrThrow();
}

export async function updateMember(db: Db, memberId: string, values: Partial<Pick<MemberRow, 'name' | 'email'>>): Promise<MemberRow> {
  return db.updateTable('members').set(values).where('id', '=', memberId).returningAll().executeTakeFirstOrThrow();
}

export async function findCurrentMember(db: Db, groupId: string, memberId: string): Promise<MemberRow | undefined> {
  return db
    .selectFrom('members')
    .selectAll()
    .where('id', '=', memberId)
    .where('group_id', '=', groupId)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
}

export async function countMembers(db: Db, groupId: string): Promise<{ members: number; participants: number }> {
  const row = await db
    .selectFrom('members')
    .select([sql<number>`count(*)::int`.as('members'), sql<number>`count(*) FILTER (WHERE participating)::int`.as('participants')])
    .where('group_id', '=', groupId)
    .where('removed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return row;
}

export async function listMembers(db: Db, groupId: string, afterSeq: number, limit: number): Promise<MemberRow[]> {
  return db
    .selectFrom('members')
    .selectAll()
    .where('group_id', '=', groupId)
    .where('removed_at', 'is', null)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

export async function membersByIds(db: Db, ids: string[]): Promise<Pick<MemberRow, 'id' | 'name' | 'email'>[]> {
  if (!ids.length) return [];
  return db.selectFrom('members').select(['id', 'name', 'email']).where('id', 'in', ids).execute();
}

/** Soft delete: the name stays for history; the address, tokens, wishlist and exclusions go. */
export async function removeMember(db: Db, memberId: string): Promise<void> {
  await db.updateTable('members').set({ removed_at: sql`now()`, email: null, wishlist_updated_at: null }).where('id', '=', memberId).execute();
  await db.deleteFrom('member_tokens').where('member_id', '=', memberId).execute();
  await db.deleteFrom('wishlist_items').where('member_id', '=', memberId).execute();
  await db.deleteFrom('exclusions').where((eb) => eb.or([eb('giver_id', '=', memberId), eb('receiver_id', '=', memberId)])).execute();
}

/** Names of a group's members, removed ones included, for labelling rows that refer to them. */
export async function memberNames(db: Db, groupId: string, ids: string[]): Promise<Pick<MemberRow, 'id' | 'name' | 'removed_at'>[]> {
  if (!ids.length) return [];
  return db.selectFrom('members').select(['id', 'name', 'removed_at']).where('group_id', '=', groupId).where('id', 'in', ids).execute();
}

export async function insertTokens(db: Db, rows: { token_hash: Buffer; member_id: string }[]): Promise<void> {
  if (!rows.length) return;
  await sql`
    INSERT INTO ${T('member_tokens')} (token_hash, member_id)
    SELECT * FROM unnest(${rows.map((r) => r.token_hash)}::bytea[], ${rows.map((r) => r.member_id)}::uuid[])`.execute(db);
}

export async function listExclusions(db: Db, groupId: string, afterSeq: number, limit: number) {
  return db
    .selectFrom('exclusions')
    .select(['id', 'seq', 'giver_id', 'receiver_id', 'created_at'])
    .where('group_id', '=', groupId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

export async function countExclusions(db: Db, groupId: string): Promise<number> {
  const row = await db.selectFrom('exclusions').select(sql<number>`count(*)::int`.as('count')).where('group_id', '=', groupId).executeTakeFirstOrThrow();
  return row.count;
}

export async function insertExclusions(db: Db, rows: { id: string; group_id: string; giver_id: string; receiver_id: string }[]) {
  return db
    .insertInto('exclusions')
    .values(rows)
    .onConflict((oc) => oc.constraint('exclusions_unique').doNothing())
    .returning(['id', 'giver_id', 'receiver_id', 'created_at'])
    .execute();
}

export async function deleteExclusion(db: Db, groupId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('exclusions').where('group_id', '=', groupId).where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function isExcluded(db: Db, groupId: string, giverId: string, receiverId: string): Promise<boolean> {
  const row = await db
    .selectFrom('exclusions')
    .select('id')
    .where('group_id', '=', groupId)
    .where('giver_id', '=', giverId)
    .where('receiver_id', '=', receiverId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function findActiveDraw(db: Db, groupId: string): Promise<DrawRow | undefined> {
  return db.selectFrom('draws').selectAll().where('group_id', '=', groupId).where('status', '=', 'active').executeTakeFirst();
}

export async function findDraw(db: Db, groupId: string, drawId: string): Promise<DrawRow | undefined> {
  return db.selectFrom('draws').selectAll().where('group_id', '=', groupId).where('id', '=', drawId).executeTakeFirst();
}

export async function listDraws(db: Db, groupId: string, beforeNumber: number, limit: number): Promise<DrawRow[]> {
  return db
    .selectFrom('draws')
    .selectAll()
    .where('group_id', '=', groupId)
    .where('number', '<', beforeNumber)
    .orderBy('number', 'desc')
    .limit(limit)
    .execute();
}

/**
 * Everything a draw reads, in one round trip after the group lock (a statement that waited for the lock must
 * not read in its old snapshot): the current draw's id, the last number, participants, explicit exclusions
 * and, with avoid_previous, the pairs of the draw being superseded.
 */
export async function drawMaterial(db: Db, groupId: string, avoidPrevious: boolean) {
  const result = await sql<{
    active_id: string | null;
    last_number: number;
    participants: [string, string, string | null][];
    exclusions: [string, string][];
    previous: [string, string][];
  }>`
    WITH active AS (SELECT d.id FROM ${T('draws')} d WHERE d.group_id = ${groupId} AND d.status = 'active')
    SELECT
      (SELECT id FROM active) AS active_id,
      (SELECT coalesce(max(d.number), 0)::int FROM ${T('draws')} d WHERE d.group_id = ${groupId}) AS last_number,
      (SELECT coalesce(json_agg(json_build_array(m.id, m.name, m.email)), '[]') FROM ${T('members')} m
        WHERE m.group_id = ${groupId} AND m.removed_at IS NULL AND m.participating) AS participants,
      (SELECT coalesce(json_agg(json_build_array(e.giver_id, e.receiver_id)), '[]') FROM ${T('exclusions')} e
        WHERE e.group_id = ${groupId}) AS exclusions,
      (SELECT coalesce(json_agg(json_build_array(a.giver_id, a.receiver_id)), '[]') FROM ${T('assignments')} a
        WHERE ${avoidPrevious} AND a.draw_id = (SELECT id FROM active)) AS previous`.execute(db);
  const row = result.rows[0]!;
  return {
    activeId: row.active_id,
    lastNumber: row.last_number,
    participants: row.participants.map(([id, name, email]) => ({ id, name, email })),
    exclusions: row.exclusions,
    previous: row.previous,
  };
}

/** The draw row and its whole permutation in one statement; the constraints check it as a whole. */
export async function insertDrawWithPairs(
  db: Db,
  draw: Omit<DrawRow, 'created_at' | 'revealed_at' | 'change_count' | 'initial_pairs'>,
  pairs: PairRow[],
): Promise<DrawRow> {
  const result = await sql<{ created_at: Date }>`
    WITH d AS (
      INSERT INTO ${T('draws')} (id, group_id, number, status, mode, avoid_previous, participant_count, seed, input, commitment, initial_pairs)
      VALUES (${draw.id}, ${draw.group_id}, ${draw.number}, ${draw.status}, ${draw.mode}, ${draw.avoid_previous}, ${draw.participant_count},
              ${draw.seed}, ${draw.input}, ${draw.commitment}, ${JSON.stringify(pairs)}::jsonb)
      RETURNING id, created_at
    ), a AS (
      INSERT INTO ${T('assignments')} (draw_id, giver_id, receiver_id)
      SELECT d.id, x.g, x.r FROM d, unnest(${pairs.map((p) => p.giver_id)}::uuid[], ${pairs.map((p) => p.receiver_id)}::uuid[]) AS x(g, r)
    )
    SELECT created_at FROM d`.execute(db);
  return { ...draw, initial_pairs: pairs, created_at: result.rows[0]!.created_at, revealed_at: null, change_count: 0 };
}

export async function supersedeDraw(db: Db, drawId: string): Promise<void> {
  await db.updateTable('draws').set({ status: 'superseded' }).where('id', '=', drawId).execute();
}

export async function currentPairs(db: Db, drawId: string): Promise<PairRow[]> {
  return db.selectFrom('assignments').select(['giver_id', 'receiver_id']).where('draw_id', '=', drawId).orderBy('giver_id').execute();
}

export async function currentPairsWithNames(db: Db, drawId: string) {
  return db
    .selectFrom('assignments as a')
    .innerJoin('members as g', 'g.id', 'a.giver_id')
    .innerJoin('members as r', 'r.id', 'a.receiver_id')
    .select(['a.giver_id', 'g.name as giver_name', 'a.receiver_id', 'r.name as receiver_name'])
    .where('a.draw_id', '=', drawId)
    .orderBy('a.giver_id')
    .execute();
}

export async function pairOfGiver(db: Db, drawId: string, giverId: string): Promise<PairRow | undefined> {
  return db.selectFrom('assignments').select(['giver_id', 'receiver_id']).where('draw_id', '=', drawId).where('giver_id', '=', giverId).executeTakeFirst();
}

export async function pairOfReceiver(db: Db, drawId: string, receiverId: string): Promise<PairRow | undefined> {
  return db
    .selectFrom('assignments')
    .select(['giver_id', 'receiver_id'])
    .where('draw_id', '=', drawId)
    .where('receiver_id', '=', receiverId)
    .executeTakeFirst();
}

export async function setReceiver(db: Db, drawId: string, giverId: string, receiverId: string): Promise<void> {
  await db.updateTable('assignments').set({ receiver_id: receiverId }).where('draw_id', '=', drawId).where('giver_id', '=', giverId).execute();
}

export async function insertPair(db: Db, drawId: string, pair: PairRow): Promise<void> {
  await db.insertInto('assignments').values({ draw_id: drawId, ...pair }).execute();
}

export async function deletePairOfGiver(db: Db, drawId: string, giverId: string): Promise<void> {
  await db.deleteFrom('assignments').where('draw_id', '=', drawId).where('giver_id', '=', giverId).execute();
}

export async function recordChange(db: Db, drawId: string, kind: 'join' | 'leave', memberId: string, giverId: string): Promise<number> {
  const draw = await db
    .updateTable('draws')
    .set({ change_count: sql`change_count + 1` })
    .where('id', '=', drawId)
    .returning('change_count')
    .executeTakeFirstOrThrow();
  await db.insertInto('draw_changes').values({ draw_id: drawId, seq: draw.change_count, kind, member_id: memberId, giver_id: giverId }).execute();
  return draw.change_count;
}

export async function listChanges(db: Db, drawId: string) {
  return db.selectFrom('draw_changes').select(['seq', 'kind', 'member_id', 'giver_id', 'created_at']).where('draw_id', '=', drawId).orderBy('seq').execute();
}

export async function revealDraw(db: Db, drawId: string): Promise<DrawRow> {
  return db.updateTable('draws').set({ revealed_at: sql`now()` }).where('id', '=', drawId).returningAll().executeTakeFirstOrThrow();
}

/**
 * The member's view of the current draw in one round trip, authentication included (the hot path of a
 * member's page): the caller's group, the giftee with their wishlist and, after the reveal, the santa.
 */
export async function assignmentByToken(db: Db, hash: Buffer) {
  const result = await sql<{
    member_id: string;
    group_id: string;
    draw_id: string | null;
    revealed: boolean | null;
    giftee_id: string | null;
    giftee_name: string | null;
    wishlist_updated_at: Date | null;
    items: { text: string; url: string | null }[] | null;
    santa_id: string | null;
    santa_name: string | null;
  }>`
    SELECT m.id AS member_id, m.group_id, d.id AS draw_id, d.revealed_at IS NOT NULL AS revealed,
           r.id AS giftee_id, r.name AS giftee_name, r.wishlist_updated_at,
           (SELECT json_agg(json_build_object('text', w.text, 'url', w.url) ORDER BY w.position)
              FROM ${T('wishlist_items')} w WHERE w.member_id = r.id) AS items,
           s.id AS santa_id, s.name AS santa_name
    FROM ${T('member_tokens')} t
    JOIN ${T('members')} m ON m.id = t.member_id AND m.removed_at IS NULL
    LEFT JOIN ${T('draws')} d ON d.group_id = m.group_id AND d.status = 'active'
    LEFT JOIN ${T('assignments')} a ON a.draw_id = d.id AND a.giver_id = m.id
    LEFT JOIN ${T('members')} r ON r.id = a.receiver_id
    LEFT JOIN ${T('assignments')} b ON d.revealed_at IS NOT NULL AND b.draw_id = d.id AND b.receiver_id = m.id
    LEFT JOIN ${T('members')} s ON s.id = b.giver_id
    WHERE t.token_hash = ${hash}`.execute(db);
  return result.rows[0];
}

export async function wishlistOf(db: Db, memberId: string) {
  return db.selectFrom('wishlist_items').select(['text', 'url']).where('member_id', '=', memberId).orderBy('position').execute();
}

export async function replaceWishlist(db: Db, memberId: string, items: { text: string; url?: string | undefined }[]): Promise<Date> {
  await db.deleteFrom('wishlist_items').where('member_id', '=', memberId).execute();
  if (items.length) {
    await db
      .insertInto('wishlist_items')
      .values(items.map((item, position) => ({ member_id: memberId, position, text: item.text, url: item.url ?? null })))
      .execute();
  }
  const row = await db
    .updateTable('members')
    .set({ wishlist_updated_at: sql`now()` })
    .where('id', '=', memberId)
    .returning('wishlist_updated_at')
    .executeTakeFirstOrThrow();
  return row.wishlist_updated_at!;
}

export async function insertMessage(db: Db, message: { draw_id: string; giver_id: string; receiver_id: string; author_id: string; text: string }) {
  return db.insertInto('messages').values(message).returning(['id', 'author_id', 'text', 'created_at']).executeTakeFirstOrThrow();
}

export async function listMessages(db: Db, pair: { draw_id: string; giver_id: string; receiver_id: string }, afterId: number, limit: number) {
  return db
    .selectFrom('messages')
    .select(['id', 'author_id', 'text', 'created_at'])
    .where('draw_id', '=', pair.draw_id)
    .where('giver_id', '=', pair.giver_id)
    .where('receiver_id', '=', pair.receiver_id)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** The latest `limit` messages of both threads of a member in a draw (as giver and as receiver), newest first, for the member page. */
export async function latestMessagesOfMember(db: Db, drawId: string, memberId: string, limit: number) {
  return db
    .selectFrom('messages')
    .select(['id', 'giver_id', 'receiver_id', 'author_id', 'text', 'created_at'])
    .where('draw_id', '=', drawId)
    .where((eb) => eb.or([eb('giver_id', '=', memberId), eb('receiver_id', '=', memberId)]))
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export async function insertOutbox(
  db: Db,
  rows: { group_id: string; member_id: string; kind: EmailKind; to_address: string; body: { subject: string; text: string; html: string } }[],
): Promise<number[]> {
  if (!rows.length) return [];
  const result = await sql<{ id: number }>`
    INSERT INTO ${T('outbox')} (group_id, member_id, kind, to_address, body)
    SELECT * FROM unnest(${rows.map((r) => r.group_id)}::uuid[], ${rows.map((r) => r.member_id)}::uuid[],
                         ${rows.map((r) => r.kind)}::text[], ${rows.map((r) => r.to_address)}::text[],
                         ${rows.map((r) => JSON.stringify(r.body))}::jsonb[])
    RETURNING id`.execute(db);
  return result.rows.map((row) => Number(row.id));
}

export async function listEmails(db: Db, groupId: string, beforeId: number, limit: number) {
  return db
    .selectFrom('outbox')
    .select(['id', 'kind', 'member_id', 'status', 'attempts', 'last_error', 'created_at', 'sent_at'])
    .where('group_id', '=', groupId)
    .where('id', '<', beforeId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export async function countEmails(db: Db, groupId: string): Promise<number> {
  const row = await db.selectFrom('outbox').select(sql<number>`count(*)::int`.as('count')).where('group_id', '=', groupId).executeTakeFirstOrThrow();
  return row.count;
}

export async function findOutbox(db: Db, id: number) {
  return db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function markEmail(
  db: Db,
  id: number,
  values: { status?: 'sent' | 'failed' | 'not_sent'; attempts?: number; last_error?: string | null; sent?: boolean },
): Promise<void> {
  await db
    .updateTable('outbox')
    .set({
      ...(values.status ? { status: values.status } : {}),
      ...(values.attempts !== undefined ? { attempts: values.attempts } : {}),
      ...(values.last_error !== undefined ? { last_error: values.last_error } : {}),
      ...(values.sent ? { sent_at: sql`now()`, body: null } : {}),
    })
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .execute();
}

export async function staleQueuedEmails(db: Db): Promise<number[]> {
  const rows = await db
    .selectFrom('outbox')
    .select('id')
    .where('status', '=', 'queued')
    .where('created_at', '<', sql<Date>`now() - interval '60 seconds'`)
    .orderBy('id')
    .limit(1000)
    .execute();
  return rows.map((row) => Number(row.id));
}
