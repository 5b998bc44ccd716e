import { isPgError, timeDbOperation, type Metrics } from '@platform/platform';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { toColumns, type ErrorView, type EventColumns, type EventView, type PersistJob, type QueuedError, type QueuedEvent } from './records';

type Db = Kysely<any> | Transaction<any>;

const OUTPUT_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';
const utc = (column: string): RawBuilder<string> => sql<string>`to_char(${sql.ref(column)} AT TIME ZONE 'UTC', ${OUTPUT_FORMAT})`;

const EVENT_COLUMNS = sql`e.id, e.event_id, e.application, e.session_id, e.category, e.name, e.data,
  ${utc('e.timestamp')} AS "timestamp", ${utc('e.received_at')} AS received_at, e.type_version, e.seq`;
const ERROR_COLUMNS = sql`r.id, r.application, r.code, r.message, r.details, r.endpoint, r."index", r.payload, r.raw_text,
  ${utc('r.received_at')} AS received_at, r.status, r.replayed_event_id, ${utc('r.replayed_at')} AS replayed_at`;

type EventRow = EventView & { seq: number };
type ErrorRow = Omit<ErrorView, 'details' | 'payload'> & { details: string | null; payload: string | null };

export function createRepository(db: Kysely<any>, metrics: Metrics) {
  const timed = <T>(operation: string, run: () => Promise<T>) => timeDbOperation(metrics, 'eye', operation, run);

  return {
    /** One transaction, one statement per table; re-running a job inserts nothing twice. */
    persistJob(job: PersistJob): Promise<void> {
      return timed('events.insert_batch', () =>
        db.transaction().execute(async (trx) => {
          if (job.events.id.length) await insertEvents(trx, job.events);
          if (job.errors.length) await insertErrors(trx, job.errors);
        }),
      );
    },

    listEvents(filters: EventFilters, after: { timestamp: string; seq: number } | null, limit: number): Promise<EventRow[]> {
      return timed('events.list', async () => {
        const conditions = eventConditions(filters);
        if (after) conditions.push(sql`(e."timestamp", e.seq) > (${after.timestamp}::timestamptz, ${after.seq}::bigint)`);
        const { rows } = await sql<EventRow>`SELECT ${EVENT_COLUMNS} FROM eye.events e WHERE ${sql.join(conditions, sql` AND `)}
          ORDER BY e."timestamp", e.seq LIMIT ${limit}`.execute(db);
        return rows;
      });
    },

    countByType(filters: EventFilters): Promise<{ category: string; name: string; count: number }[]> {
      return timed('events.stats', async () => {
        const { rows } = await sql<{ category: string; name: string; count: number }>`SELECT e.category, e.name, count(*)::int AS count
          FROM eye.events e WHERE ${sql.join(eventConditions(filters), sql` AND `)}
          GROUP BY e.category, e.name ORDER BY e.category, e.name`.execute(db);
        return rows;
      });
    },

    listErrors(filters: ErrorFilters, before: { received_at: string; id: string } | null, limit: number): Promise<ErrorView[]> {
      return timed('errors.list', async () => {
        const conditions: RawBuilder<unknown>[] = [sql`true`];
        if (filters.application !== null) conditions.push(sql`r.application = ${filters.application}`);
        if (filters.code) conditions.push(sql`r.code = ${filters.code}`);
        if (filters.status) conditions.push(sql`r.status = ${filters.status}`);
        if (filters.from) conditions.push(sql`r.received_at >= ${filters.from}::timestamptz`);
        if (filters.to) conditions.push(sql`r.received_at < ${filters.to}::timestamptz`);
        if (before) conditions.push(sql`(r.received_at, r.id) < (${before.received_at}::timestamptz, ${before.id}::uuid)`);
        const { rows } = await sql<ErrorRow>`SELECT ${ERROR_COLUMNS} FROM eye.errors r WHERE ${sql.join(conditions, sql` AND `)}
          ORDER BY r.received_at DESC, r.id DESC LIMIT ${limit}`.execute(db);
        return rows.map(errorView);
      });
    },

    getError(application: string | null, id: string, trx: Db = db, forUpdate = false): Promise<ErrorView | undefined> {
      return timed('errors.get', async () => {
        const { rows } = await sql<ErrorRow>`SELECT ${ERROR_COLUMNS} FROM eye.errors r
          WHERE r.id = ${id}::uuid ${application === null ? sql`` : sql`AND r.application = ${application}`}
          ${forUpdate ? sql`FOR UPDATE` : sql``}`.execute(trx);
        return rows[0] && errorView(rows[0]);
      });
    },

    getEvent(id: string, trx: Db = db): Promise<EventView | undefined> {
      return timed('events.get', async () => {
        const { rows } = await sql<EventRow>`SELECT ${EVENT_COLUMNS} FROM eye.events e WHERE e.id = ${id}::uuid`.execute(trx);
        return rows[0] && withoutSeq(rows[0]);
      });
    },

    hasEvent(application: string, dedupKey: string): Promise<boolean> {
      return timed('events.exists', async () => {
        const { rows } = await sql`SELECT 1 FROM eye.events WHERE application = ${application} AND dedup_key = ${dedupKey}`.execute(db);
        return rows.length > 0;
      });
    },

    /** Stores a replayed event (or finds the copy already stored) and marks the record replayed, atomically. */
    replay(
      application: string | null,
      errorId: string,
      decide: (record: ErrorView) => Promise<{ event: QueuedEvent } | { rejection: unknown }>,
    ): Promise<{ event: EventView } | { rejection: unknown } | undefined> {
      return timed('errors.replay', () =>
        db.transaction().execute(async (trx) => {
          const record = await this.getError(application, errorId, trx, true);
          if (!record) return undefined;
          if (record.status === 'replayed' && record.replayed_event_id) {
            const event = await this.getEvent(record.replayed_event_id, trx);
            if (event) return { event };
          }
          const decision = await decide(record);
          if ('rejection' in decision) return decision;
          await insertEvents(trx, toColumns([decision.event]));
          const { rows } = await sql<{ id: string }>`SELECT id FROM eye.events
            WHERE application = ${decision.event.application} AND dedup_key = ${decision.event.dedup_key}`.execute(trx);
          const storedId = rows[0]!.id;
          await sql`UPDATE eye.errors SET status = 'replayed', replayed_event_id = ${storedId}::uuid, replayed_at = clock_timestamp()
            WHERE id = ${errorId}::uuid`.execute(trx);
          return { event: (await this.getEvent(storedId, trx))! };
        }),
      );
    },

    /** Latest version of every registered type of the application. */
    currentTypes(application: string): Promise<RegisteredTypeRow[]> {
      return timed('event_types.current', async () => {
        const { rows } = await sql<RegisteredTypeRow>`SELECT DISTINCT ON (category, name) category, name, version, schema, description,
          ${utc('created_at')} AS created_at FROM eye.event_types WHERE application = ${application}
          ORDER BY category, name, version DESC`.execute(db);
        return rows;
      });
    },

    typeVersions(application: string, category: string, name: string): Promise<RegisteredTypeRow[]> {
      return timed('event_types.versions', async () => {
        const { rows } = await sql<RegisteredTypeRow>`SELECT category, name, version, schema, description, ${utc('created_at')} AS created_at
          FROM eye.event_types WHERE application = ${application} AND category = ${category} AND name = ${name}
          ORDER BY version`.execute(db);
        return rows;
      });
    },

    /** Inserts `version`; false when another request created that version first. */
    insertTypeVersion(row: { application: string; category: string; name: string; version: number; schema: unknown; description: string | null }): Promise<boolean> {
      return timed('event_types.insert', async () => {
        try {
          await sql`INSERT INTO eye.event_types (application, category, name, version, schema, description)
            VALUES (${row.application}, ${row.category}, ${row.name}, ${row.version}, ${JSON.stringify(row.schema)}::jsonb, ${row.description})`.execute(db);
          return true;
        } catch (error) {
          if (isPgError(error, '23505')) return false;
          throw error;
        }
      });
    },
  };
}

export type Repository = ReturnType<typeof createRepository>;

interface EventFilters {
  /** null: every application (dev mode). */
  application: string | null;
  session_id?: string;
  category?: string;
  name?: string;
  from?: string;
  to?: string;
}

interface ErrorFilters {
  application: string | null;
  code?: string;
  status?: 'open' | 'replayed';
  from?: string;
  to?: string;
}

export interface RegisteredTypeRow {
  category: string;
  name: string;
  version: number;
  schema: Record<string, unknown>;
  description: string | null;
  created_at: string;
}

function eventConditions(filters: EventFilters): RawBuilder<unknown>[] {
  const conditions: RawBuilder<unknown>[] = [sql`true`];
  if (filters.application !== null) conditions.push(sql`e.application = ${filters.application}`);
  if (filters.session_id !== undefined) conditions.push(sql`e.session_id = ${filters.session_id}`);
  if (filters.category !== undefined) conditions.push(sql`e.category = ${filters.category}`);
  if (filters.name !== undefined) conditions.push(sql`e.name = ${filters.name}`);
  if (filters.from) conditions.push(sql`e."timestamp" >= ${filters.from}::timestamptz`);
  if (filters.to) conditions.push(sql`e."timestamp" < ${filters.to}::timestamptz`);
  return conditions;
}

async function insertEvents(trx: Db, events: EventColumns): Promise<void> {
  const column = <K extends keyof EventColumns>(key: K) => events[key];
  await sql`INSERT INTO eye.events (id, event_id, application, session_id, category, name, data, "timestamp", received_at, type_version, seq, dedup_key)
    SELECT * FROM unnest(${column('id')}::uuid[], ${column('event_id')}::text[], ${column('application')}::text[],
      ${column('session_id')}::text[], ${column('category')}::text[], ${column('name')}::text[], ${column('data')}::jsonb[],
      ${column('timestamp')}::timestamptz[], ${column('received_at')}::timestamptz[], ${column('type_version')}::int[],
      ${column('seq')}::bigint[], ${column('dedup_key')}::text[])
    ON CONFLICT (application, dedup_key) DO NOTHING`.execute(trx);
}

async function insertErrors(trx: Db, errors: QueuedError[]): Promise<void> {
  const column = <K extends keyof QueuedError>(key: K) => errors.map((error) => error[key]);
  await sql`INSERT INTO eye.errors (id, application, code, message, details, endpoint, "index", payload, raw_text, received_at)
    SELECT * FROM unnest(${column('id')}::uuid[], ${column('application')}::text[], ${column('code')}::text[], ${column('message')}::text[],
      ${column('details')}::text[], ${column('endpoint')}::text[], ${column('index')}::int[], ${column('payload')}::text[],
      ${column('raw_text')}::text[], ${column('received_at')}::timestamptz[])
    ON CONFLICT (id) DO NOTHING`.execute(trx);
}

function errorView(row: ErrorRow): ErrorView {
  return {
    ...row,
    details: row.details === null ? null : JSON.parse(row.details),
    payload: row.payload === null ? null : JSON.parse(row.payload),
  };
}

export function withoutSeq(row: EventRow): EventView {
  const { seq: _seq, ...event } = row;
  return event;
}
