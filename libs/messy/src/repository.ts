import { sql, type Kysely, type Transaction } from 'kysely';
import type { MessyDb } from './db';
import { aggregateBatch, type InsertedRow } from './aggregates';
import type { StoredMessage } from './messages';

/** Every query of the messy module. */

export interface BatchOutcome {
  inserted: number;
  duplicates: number;
}

/**
 * One worker transaction: inserts the batch with `unnest` arrays (ids already stored are skipped) and
 * updates every aggregate from the rows really inserted, upserting in sorted key order so that
 * concurrent workers lock rows in the same order. The totals row is updated last.
 */
export async function insertMessagesBatch(db: Kysely<MessyDb>, messages: StoredMessage[]): Promise<BatchOutcome> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<InsertedRow>`
      INSERT INTO messy.messages (id, username, city, city_key, state, message, created_at)
      SELECT * FROM unnest(
        ${messages.map((m) => m.id)}::uuid[], ${messages.map((m) => m.username)}::text[],
        ${messages.map((m) => m.city)}::text[], ${messages.map((m) => m.city_key)}::text[],
        ${messages.map((m) => m.state)}::char(2)[], ${messages.map((m) => m.message)}::text[],
        ${messages.map((m) => m.created_at)}::timestamptz[])
      ON CONFLICT (id) DO NOTHING
      RETURNING username, city, city_key, state, created_at`.execute(trx);
    if (rows.length > 0) await applyAggregates(trx, rows);
    return { inserted: rows.length, duplicates: messages.length - rows.length };
  });
}

async function applyAggregates(trx: Transaction<MessyDb>, rows: InsertedRow[]): Promise<void> {
  const batch = aggregateBatch(rows);
  const newUsers = await sql<{ created: boolean }>`
    INSERT INTO messy.user_counts AS t (username, messages)
    SELECT * FROM unnest(${batch.users.map((u) => u.username)}::text[], ${batch.users.map((u) => u.messages)}::bigint[])
    ON CONFLICT (username) DO UPDATE SET messages = t.messages + excluded.messages
    RETURNING (xmax = 0) AS created`.execute(trx);
  const newCities = await sql<{ state: string; created: boolean }>`
    INSERT INTO messy.city_counts AS t (state, city_key, city, messages)
    SELECT * FROM unnest(${batch.cities.map((c) => c.state)}::char(2)[], ${batch.cities.map((c) => c.city_key)}::text[],
      ${batch.cities.map((c) => c.city)}::text[], ${batch.cities.map((c) => c.messages)}::bigint[])
    ON CONFLICT (state, city_key) DO UPDATE SET messages = t.messages + excluded.messages
    RETURNING state, (xmax = 0) AS created`.execute(trx);
  const citiesPerState = new Map<string, number>();
  for (const row of newCities.rows) if (row.created) citiesPerState.set(row.state, (citiesPerState.get(row.state) ?? 0) + 1);
  await sql`
    INSERT INTO messy.state_counts AS t (state, messages, cities)
    SELECT * FROM unnest(${batch.states.map((s) => s.state)}::char(2)[], ${batch.states.map((s) => s.messages)}::bigint[],
      ${batch.states.map((s) => citiesPerState.get(s.state) ?? 0)}::bigint[])
    ON CONFLICT (state) DO UPDATE SET messages = t.messages + excluded.messages, cities = t.cities + excluded.cities`.execute(trx);
  await sql`
    INSERT INTO messy.second_counts AS t (bucket, messages)
    SELECT * FROM unnest(${batch.seconds.map((s) => s.bucket)}::timestamptz[], ${batch.seconds.map((s) => s.messages)}::bigint[])
    ON CONFLICT (bucket) DO UPDATE SET messages = t.messages + excluded.messages`.execute(trx);
  const users = newUsers.rows.filter((row) => row.created).length;
  const cities = newCities.rows.filter((row) => row.created).length;
  await sql`
    UPDATE messy.totals SET messages = messages + ${rows.length}, users = users + ${users}, cities = cities + ${cities}
    WHERE id = 1`.execute(trx);
}

export interface MessageRow {
  id: string;
  username: string;
  city: string;
  state: string;
  message: string;
  created_at: Date;
}

export async function findMessage(db: Kysely<MessyDb>, id: string): Promise<MessageRow | undefined> {
  return db
    .selectFrom('messages')
    .select(['id', 'username', 'city', 'state', 'message', 'created_at'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export interface MessageFilter {
  state?: string;
  cityKey?: string;
  username?: string;
}

/** Newest first by (created_at DESC, id DESC), after the keyset position `before` when given. */
export async function listMessages(
  db: Kysely<MessyDb>,
  filter: MessageFilter,
  limit: number,
  before?: { createdAt: Date; id: string },
): Promise<MessageRow[]> {
  let query = db.selectFrom('messages').select(['id', 'username', 'city', 'state', 'message', 'created_at']);
  if (filter.state) query = query.where('state', '=', filter.state);
  if (filter.cityKey !== undefined) query = query.where('city_key', '=', filter.cityKey);
  if (filter.username !== undefined) query = query.where('username', '=', filter.username);
  if (before) query = query.where(sql<boolean>`(created_at, id) < (${before.createdAt}::timestamptz, ${before.id}::uuid)`);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export interface SnapshotFigures {
  generatedAt: Date;
  messages: number;
  users: number;
  cities: number;
  perState: { state: string; messages: number; cities: number }[];
  topCities: { state: string; city: string; messages: number }[];
  topUsers: { username: string; messages: number }[];
  lastMinute: number;
  lastHour: number;
}

/** Reads the aggregate tables only, in one read-only REPEATABLE READ transaction so the figures agree. */
export async function readSnapshotFigures(db: Kysely<MessyDb>): Promise<SnapshotFigures> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const totals = await sql<{ generated_at: Date; messages: number; users: number; cities: number }>`
        SELECT date_trunc('milliseconds', now()) AS generated_at, messages, users, cities FROM messy.totals WHERE id = 1`.execute(trx);
      const perState = await sql<{ state: string; messages: number; cities: number }>`
        SELECT state, messages, cities FROM messy.state_counts`.execute(trx);
      const topCities = await sql<{ state: string; city: string; messages: number }>`
        SELECT state, city, messages FROM messy.city_counts
        ORDER BY messages DESC, state COLLATE "C", city_key COLLATE "C" LIMIT 10`.execute(trx);
      const topUsers = await sql<{ username: string; messages: number }>`
        SELECT username, messages FROM messy.user_counts ORDER BY messages DESC, username COLLATE "C" LIMIT 10`.execute(trx);
      const recent = await sql<{ last_minute: number; last_hour: number }>`
        WITH now AS (SELECT date_trunc('milliseconds', now()) AS at)
        SELECT coalesce(sum(messages) FILTER (WHERE bucket > (SELECT at FROM now) - interval '60 seconds'), 0)::bigint AS last_minute,
               coalesce(sum(messages), 0)::bigint AS last_hour
        FROM messy.second_counts
        WHERE bucket > (SELECT at FROM now) - interval '3600 seconds' AND bucket <= (SELECT at FROM now)`.execute(trx);
      const total = totals.rows[0]!;
      return {
        generatedAt: total.generated_at,
        messages: total.messages,
        users: total.users,
        cities: total.cities,
        perState: perState.rows,
        topCities: topCities.rows,
        topUsers: topUsers.rows,
        lastMinute: recent.rows[0]!.last_minute,
        lastHour: recent.rows[0]!.last_hour,
      };
    });
}

/** second_counts is kept for two hours. */
export async function pruneSecondCounts(db: Kysely<MessyDb>): Promise<void> {
  await sql`DELETE FROM messy.second_counts WHERE bucket < now() - interval '2 hours'`.execute(db);
}

export interface DriftRow {
  table: string;
  key: string;
  want: number;
  have: number;
}

/**
 * Recounts every aggregate from messy.messages in one REPEATABLE READ transaction that first locks the
 * aggregate tables (workers wait), rewrites the rows that differ and returns them.
 */
export async function recountAggregates(db: Kysely<MessyDb>): Promise<DriftRow[]> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      // Before any query, so that the snapshot is taken after every writer holding these tables committed.
      await sql`LOCK TABLE messy.user_counts, messy.city_counts, messy.state_counts, messy.second_counts, messy.totals
        IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
      return [
        ...(await recountUsers(trx)),
        ...(await recountCities(trx)),
        ...(await recountStates(trx)),
        ...(await recountSeconds(trx)),
        ...(await recountTotals(trx)),
      ];
    });
}

async function recountUsers(trx: Transaction<MessyDb>): Promise<DriftRow[]> {
  const { rows } = await sql<{ username: string; want: number; have: number }>`
    WITH fresh AS (SELECT username, count(*)::bigint AS messages FROM messy.messages GROUP BY username)
    SELECT coalesce(f.username, s.username) AS username, coalesce(f.messages, 0)::bigint AS want, coalesce(s.messages, 0)::bigint AS have
    FROM fresh f FULL JOIN messy.user_counts s ON s.username = f.username
    WHERE f.messages IS DISTINCT FROM s.messages`.execute(trx);
  const keep = rows.filter((r) => r.want > 0);
  await sql`
    INSERT INTO messy.user_counts AS t (username, messages)
    SELECT * FROM unnest(${keep.map((r) => r.username)}::text[], ${keep.map((r) => r.want)}::bigint[])
    ON CONFLICT (username) DO UPDATE SET messages = excluded.messages`.execute(trx);
  await sql`DELETE FROM messy.user_counts WHERE username = ANY(${rows.filter((r) => r.want === 0).map((r) => r.username)}::text[])`.execute(trx);
  return rows.map((r) => ({ table: 'user_counts', key: r.username, want: r.want, have: r.have }));
}

async function recountCities(trx: Transaction<MessyDb>): Promise<DriftRow[]> {
  const { rows } = await sql<{ state: string; city_key: string; city: string | null; want: number; have: number }>`
    WITH fresh AS (
      SELECT state, city_key, count(*)::bigint AS messages, (array_agg(city ORDER BY persisted_at, created_at, id))[1] AS city
      FROM messy.messages GROUP BY state, city_key)
    SELECT coalesce(f.state, s.state) AS state, coalesce(f.city_key, s.city_key) AS city_key, coalesce(s.city, f.city) AS city,
           coalesce(f.messages, 0)::bigint AS want, coalesce(s.messages, 0)::bigint AS have
    FROM fresh f FULL JOIN messy.city_counts s ON s.state = f.state AND s.city_key = f.city_key
    WHERE f.messages IS DISTINCT FROM s.messages`.execute(trx);
  const keep = rows.filter((r) => r.want > 0);
  await sql`
    INSERT INTO messy.city_counts AS t (state, city_key, city, messages)
    SELECT * FROM unnest(${keep.map((r) => r.state)}::char(2)[], ${keep.map((r) => r.city_key)}::text[],
      ${keep.map((r) => r.city)}::text[], ${keep.map((r) => r.want)}::bigint[])
    ON CONFLICT (state, city_key) DO UPDATE SET messages = excluded.messages`.execute(trx);
  const gone = rows.filter((r) => r.want === 0);
  await sql`
    DELETE FROM messy.city_counts t USING unnest(${gone.map((r) => r.state)}::char(2)[], ${gone.map((r) => r.city_key)}::text[]) AS g(state, city_key)
    WHERE t.state = g.state AND t.city_key = g.city_key`.execute(trx);
  return rows.map((r) => ({ table: 'city_counts', key: `${r.state}/${r.city_key}`, want: r.want, have: r.have }));
}

async function recountStates(trx: Transaction<MessyDb>): Promise<DriftRow[]> {
  const { rows } = await sql<{ state: string; want_messages: number; have_messages: number; want_cities: number; have_cities: number }>`
    WITH fresh AS (SELECT state, count(*)::bigint AS messages, count(DISTINCT city_key)::bigint AS cities FROM messy.messages GROUP BY state)
    SELECT coalesce(f.state, s.state) AS state,
           coalesce(f.messages, 0)::bigint AS want_messages, coalesce(s.messages, 0)::bigint AS have_messages,
           coalesce(f.cities, 0)::bigint AS want_cities, coalesce(s.cities, 0)::bigint AS have_cities
    FROM fresh f FULL JOIN messy.state_counts s ON s.state = f.state
    WHERE coalesce(f.messages, 0) <> coalesce(s.messages, 0) OR coalesce(f.cities, 0) <> coalesce(s.cities, 0)`.execute(trx);
  await sql`
    INSERT INTO messy.state_counts AS t (state, messages, cities)
    SELECT * FROM unnest(${rows.map((r) => r.state)}::char(2)[], ${rows.map((r) => r.want_messages)}::bigint[], ${rows.map((r) => r.want_cities)}::bigint[])
    ON CONFLICT (state) DO UPDATE SET messages = excluded.messages, cities = excluded.cities`.execute(trx);
  return rows.flatMap((r) => [
    ...(r.want_messages !== r.have_messages ? [{ table: 'state_counts.messages', key: r.state, want: r.want_messages, have: r.have_messages }] : []),
    ...(r.want_cities !== r.have_cities ? [{ table: 'state_counts.cities', key: r.state, want: r.want_cities, have: r.have_cities }] : []),
  ]);
}

/** Only the buckets still kept (the last two hours) are compared. */
async function recountSeconds(trx: Transaction<MessyDb>): Promise<DriftRow[]> {
  const { rows } = await sql<{ bucket: Date; want: number; have: number }>`
    WITH cutoff AS (SELECT date_trunc('second', now() - interval '2 hours') AS at),
    fresh AS (
      SELECT date_trunc('second', created_at) AS bucket, count(*)::bigint AS messages FROM messy.messages
      WHERE created_at >= (SELECT at FROM cutoff) GROUP BY 1),
    kept AS (SELECT bucket, messages FROM messy.second_counts WHERE bucket >= (SELECT at FROM cutoff))
    SELECT coalesce(f.bucket, s.bucket) AS bucket, coalesce(f.messages, 0)::bigint AS want, coalesce(s.messages, 0)::bigint AS have
    FROM fresh f FULL JOIN kept s ON s.bucket = f.bucket
    WHERE f.messages IS DISTINCT FROM s.messages`.execute(trx);
  const keep = rows.filter((r) => r.want > 0);
  await sql`
    INSERT INTO messy.second_counts AS t (bucket, messages)
    SELECT * FROM unnest(${keep.map((r) => r.bucket)}::timestamptz[], ${keep.map((r) => r.want)}::bigint[])
    ON CONFLICT (bucket) DO UPDATE SET messages = excluded.messages`.execute(trx);
  await sql`DELETE FROM messy.second_counts WHERE bucket = ANY(${rows.filter((r) => r.want === 0).map((r) => r.bucket)}::timestamptz[])`.execute(trx);
  return rows.map((r) => ({ table: 'second_counts', key: r.bucket.toISOString(), want: r.want, have: r.have }));
}

async function recountTotals(trx: Transaction<MessyDb>): Promise<DriftRow[]> {
  const { rows } = await sql<{ messages: number; users: number; cities: number; have_messages: number; have_users: number; have_cities: number }>`
    SELECT (SELECT count(*) FROM messy.messages)::bigint AS messages,
           (SELECT count(DISTINCT username) FROM messy.messages)::bigint AS users,
           (SELECT count(*) FROM (SELECT DISTINCT state, city_key FROM messy.messages) c)::bigint AS cities,
           t.messages AS have_messages, t.users AS have_users, t.cities AS have_cities
    FROM messy.totals t WHERE t.id = 1`.execute(trx);
  const r = rows[0]!;
  await sql`UPDATE messy.totals SET messages = ${r.messages}, users = ${r.users}, cities = ${r.cities} WHERE id = 1`.execute(trx);
  return (['messages', 'users', 'cities'] as const)
    .filter((name) => r[name] !== r[`have_${name}`])
    .map((name) => ({ table: `totals.${name}`, key: name, want: r[name], have: r[`have_${name}`] }));
}
