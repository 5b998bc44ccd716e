import { isPgError, timeDbOperation, type Metrics } from '@platform/platform';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { EventpostDb, EventRow, NotificationRow, NotificationsTable } from './db';
import { likePattern, type Cursor, type EventFilters, type NotificationFilters } from './listing';

export type EventValues = Omit<EventRow, 'id' | 'version' | 'created_at' | 'updated_at'>;
export type NotificationValues = Pick<NotificationsTable, 'subject' | 'content' | 'to_mail' | 'scheduled_time' | 'event_id'>;
export type Tx = Transaction<EventpostDb>;

/** Notifications whose event went away, as the cascade left them. */
export interface CascadeResult {
  id: string;
  schedule_seq: number;
  was_scheduled: boolean;
}

export class UnknownEventError extends Error {
  override name = 'UnknownEventError';
}

/** Every SQL statement of the module. */
export class EventpostRepository {
  constructor(
    private readonly db: Kysely<EventpostDb>,
    private readonly metrics: Metrics,
  ) {}

  get executor(): Kysely<EventpostDb> {
    return this.db;
  }

  private timed<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return timeDbOperation(this.metrics, 'eventpost', operation, run);
  }

  transaction<T>(run: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(run);
  }

  // ---- events

  insertEvent(id: string, values: EventValues): Promise<EventRow> {
    return this.timed('events.insert', () =>
      this.db.insertInto('events').values({ id, ...values }).returningAll().executeTakeFirstOrThrow(),
    );
  }

  findEvent(id: string, executor: Kysely<EventpostDb> = this.db): Promise<EventRow | undefined> {
    return this.timed('events.find', () => executor.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst());
  }

  lockEvent(tx: Tx, id: string): Promise<EventRow | undefined> {
    return this.timed('events.lock', () => tx.selectFrom('events').selectAll().where('id', '=', id).forUpdate().executeTakeFirst());
  }

  listEvents(filters: Omit<EventFilters, 'limit' | 'cursor'> & { cursor?: Cursor; limit: number }): Promise<EventRow[]> {
    return this.timed('events.list', () => {
      let query = this.db.selectFrom('events').selectAll();
      if (filters.from) query = query.where('starts_at', '>=', filters.from);
      if (filters.to) query = query.where('starts_at', '<', filters.to);
      for (const field of ['topics', 'place', 'organizer'] as const) {
        const value = filters[field === 'topics' ? 'topic' : field];
        if (value !== undefined) query = query.where(sql<boolean>`${sql.ref(field)} ILIKE ${likePattern(value)} ESCAPE '\\'`);
      }
      if (filters.q !== undefined) {
        const pattern = likePattern(filters.q);
        query = query.where(sql<boolean>`(title ILIKE ${pattern} ESCAPE '\\' OR description ILIKE ${pattern} ESCAPE '\\')`);
      }
      if (filters.cursor) query = query.where(sql<boolean>`(starts_at, id) > (${filters.cursor.at}, ${filters.cursor.id})`);
      return query.orderBy('starts_at').orderBy('id').limit(filters.limit).execute();
    });
  }

  /** One atomic check-and-write: the row changes only if it exists and (when given) has one of `versions`. */
  updateEvent(executor: Kysely<EventpostDb>, id: string, values: EventValues, versions: number[] | undefined): Promise<EventRow | undefined> {
    return this.timed('events.update', () => {
      let query = executor
        .updateTable('events')
        .set({ ...values, version: sql<number>`version + 1`, updated_at: sql<Date>`now()` })
        .where('id', '=', id);
      if (versions) query = query.where('version', 'in', versions.length ? versions : [-1]);
      return query.returningAll().executeTakeFirst();
    });
  }

  /**
   * In the caller's transaction, with the event row locked: cancels its scheduled notifications,
   * unlinks all of them, then deletes the event. Inserts that reference the event wait on the lock
   * and then fail their foreign key, so no notification stays scheduled for a deleted event.
   */
  async deleteLockedEvent(tx: Tx, id: string): Promise<{ event: EventRow; notifications: CascadeResult[] }> {
    const notifications = await this.timed('notifications.cascade', async () => {
      const result = await sql<CascadeResult>`
        UPDATE eventpost.notifications AS n
        SET status = CASE WHEN old.status = 'scheduled' THEN 'cancelled' ELSE old.status END,
            event_id = NULL, version = n.version + 1, updated_at = now()
        FROM (SELECT id, status FROM eventpost.notifications WHERE event_id = ${id} FOR UPDATE) AS old
        WHERE n.id = old.id
        RETURNING n.id, n.schedule_seq, old.status = 'scheduled' AS was_scheduled`.execute(tx);
      return result.rows;
    });
    const event = await this.timed('events.delete', () => tx.deleteFrom('events').where('id', '=', id).returningAll().executeTakeFirstOrThrow());
    return { event, notifications };
  }

  eventsForCalendar(filters: Omit<EventFilters, 'limit' | 'cursor'>, max: number): Promise<EventRow[]> {
    return this.listEvents({ ...filters, limit: max + 1 });
  }

  // ---- notifications

  async insertNotification(id: string, values: NotificationValues): Promise<NotificationRow> {
    try {
      return await this.timed('notifications.insert', () =>
        this.db.insertInto('notifications').values({ id, ...values }).returningAll().executeTakeFirstOrThrow(),
      );
    } catch (error) {
      if (isPgError(error, '23503')) throw new UnknownEventError();
      throw error;
    }
  }

  findNotification(id: string): Promise<NotificationRow | undefined> {
    return this.timed('notifications.find', () => this.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst());
  }

  lockNotification(tx: Tx, id: string): Promise<NotificationRow | undefined> {
    return this.timed('notifications.lock', () =>
      tx.selectFrom('notifications').selectAll().where('id', '=', id).forUpdate().executeTakeFirst(),
    );
  }

  listNotifications(filters: NotificationFilters): Promise<NotificationRow[]> {
    return this.timed('notifications.list', () => {
      let query = this.db.selectFrom('notifications').selectAll();
      if (filters.status) query = query.where('status', '=', filters.status);
      if (filters.eventId !== undefined) query = query.where('event_id', '=', filters.eventId);
      if (filters.toMail !== undefined) query = query.where(sql<boolean>`lower(to_mail) = lower(${filters.toMail})`);
      if (filters.cursor) query = query.where(sql<boolean>`(scheduled_time, id) > (${filters.cursor.at}, ${filters.cursor.id})`);
      return query
        .orderBy('scheduled_time')
        .orderBy('id')
        .limit(filters.limit + 1)
        .execute();
    });
  }

  /** With the row locked: writes the new values; `rearm` resets delivery and names a new delivery job. */
  async updateLockedNotification(tx: Tx, id: string, values: NotificationValues, rearm: boolean): Promise<NotificationRow> {
    try {
      return await this.timed('notifications.update', () =>
        tx
          .updateTable('notifications')
          .set({
            ...values,
            ...(rearm
              ? { status: 'scheduled', attempts: 0, last_error: null, sent_at: null, schedule_seq: sql<number>`schedule_seq + 1` }
              : {}),
            version: sql<number>`version + 1`,
            updated_at: sql<Date>`now()`,
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow(),
      );
    } catch (error) {
      if (isPgError(error, '23503')) throw new UnknownEventError();
      throw error;
    }
  }

  deleteLockedNotification(tx: Tx, id: string): Promise<NotificationRow> {
    return this.timed('notifications.delete', () => tx.deleteFrom('notifications').where('id', '=', id).returningAll().executeTakeFirstOrThrow());
  }

  // ---- delivery

  /** The worker's guard: only a row still `scheduled` under this job's schedule moves to `sending`. */
  claimForSending(id: string, seq: number): Promise<NotificationRow | undefined> {
    return this.timed('notifications.claim', () =>
      this.db
        .updateTable('notifications')
        .set({ status: 'sending', version: sql<number>`version + 1`, updated_at: sql<Date>`now()` })
        .where('id', '=', id)
        .where('status', '=', 'scheduled')
        .where('schedule_seq', '=', seq)
        .returningAll()
        .executeTakeFirst(),
    );
  }

  /** Records one SMTP attempt's outcome on a row this job claimed. */
  recordAttempt(
    id: string,
    seq: number,
    outcome: { status: 'sent' | 'failed' | 'scheduled'; error: string | null; countsAttempt: boolean },
  ): Promise<NotificationRow | undefined> {
    return this.timed('notifications.record_attempt', () =>
      this.db
        .updateTable('notifications')
        .set({
          status: outcome.status,
          attempts: outcome.countsAttempt ? sql<number>`attempts + 1` : sql<number>`attempts`,
          last_error: outcome.error,
          sent_at: outcome.status === 'sent' ? sql<Date>`now()` : null,
          version: sql<number>`version + 1`,
          updated_at: sql<Date>`now()`,
        })
        .where('id', '=', id)
        .where('status', '=', 'sending')
        .where('schedule_seq', '=', seq)
        .returningAll()
        .executeTakeFirst(),
    );
  }

  eventSummary(id: string): Promise<Pick<EventRow, 'id' | 'title' | 'starts_at'> | undefined> {
    return this.timed('events.summary', () =>
      this.db.selectFrom('events').select(['id', 'title', 'starts_at']).where('id', '=', id).executeTakeFirst(),
    );
  }

  /**
   * One keyset page of `scheduled` rows untouched for `quietSeconds` (a fresher row's own enqueue may still be
   * in flight), in (scheduled_time, id) order after `after`.
   */
  scheduledRows(limit: number, quietSeconds: number, after?: Cursor): Promise<Pick<NotificationRow, 'id' | 'schedule_seq' | 'scheduled_time'>[]> {
    return this.timed('notifications.scheduled', () => {
      let query = this.db
        .selectFrom('notifications')
        .select(['id', 'schedule_seq', 'scheduled_time'])
        .where('status', '=', 'scheduled')
        .where('updated_at', '<', sql<Date>`now() - make_interval(secs => ${quietSeconds})`);
      if (after) query = query.where(sql<boolean>`(scheduled_time, id) > (${after.at}, ${after.id})`);
      return query.orderBy('scheduled_time').orderBy('id').limit(limit).execute();
    });
  }

  /** Rows left in `sending` by a crashed worker go back to `scheduled` under a new job. */
  releaseStuckSending(olderThanSeconds: number): Promise<Pick<NotificationRow, 'id' | 'schedule_seq' | 'scheduled_time'>[]> {
    return this.timed('notifications.release_stuck', () =>
      this.db
        .updateTable('notifications')
        .set({
          status: 'scheduled',
          schedule_seq: sql<number>`schedule_seq + 1`,
          version: sql<number>`version + 1`,
          updated_at: sql<Date>`now()`,
        })
        .where('status', '=', 'sending')
        .where('updated_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanSeconds})`)
        .returning(['id', 'schedule_seq', 'scheduled_time'])
        .execute(),
    );
  }

  // ---- idempotency keys

  /** Claims `key` for a running request; returns the existing row when someone else holds it. */
  async claimIdempotencyKey(
    scope: string,
    key: string,
    requestHash: string,
  ): Promise<{ claimed: true } | { claimed: false; requestHash: string; response: string | null }> {
    return this.timed('idempotency.claim', async () => {
      await this.db
        .deleteFrom('idempotency_keys')
        .where('scope', '=', scope)
        .where('key', '=', key)
        .where('created_at', '<', sql<Date>`now() - interval '24 hours'`)
        .execute();
      const inserted = await this.db
        .insertInto('idempotency_keys')
        .values({ scope, key, request_hash: requestHash, response: null })
        .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst();
      if (inserted) return { claimed: true as const };
      const existing = await this.db
        .selectFrom('idempotency_keys')
        .select(['request_hash', 'response'])
        .where('scope', '=', scope)
        .where('key', '=', key)
        .executeTakeFirst();
      if (!existing) return this.claimIdempotencyKey(scope, key, requestHash);
      return { claimed: false as const, requestHash: existing.request_hash, response: existing.response };
    });
  }

  async completeIdempotencyKey(scope: string, key: string, response: string | null): Promise<void> {
    await this.timed('idempotency.complete', async () => {
      if (response === null) {
        await this.db.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).execute();
      } else {
        await this.db.updateTable('idempotency_keys').set({ response }).where('scope', '=', scope).where('key', '=', key).execute();
      }
    });
  }

  purgeIdempotencyKeys(): Promise<unknown> {
    return this.timed('idempotency.purge', () =>
      this.db.deleteFrom('idempotency_keys').where('created_at', '<', sql<Date>`now() - interval '24 hours'`).execute(),
    );
  }
}
