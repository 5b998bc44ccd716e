import type { Migration } from '@platform/platform';
import { sql, type Kysely } from 'kysely';

export const init: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('events')
      .addColumn('id', 'text', (c) => c.primaryKey().check(sql`id ~ '^[0-9a-f]{24}$'`))
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('date', 'text', (c) => c.notNull().check(sql`date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'`))
      .addColumn('time', 'text', (c) => c.notNull().check(sql`time ~ '^[0-9]{2}:[0-9]{2}:[0-9]{2}$'`))
      .addColumn('timezone', 'text', (c) => c.notNull().defaultTo('UTC'))
      .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
      .addColumn('place', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('organizer', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('topics', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1).check(sql`version >= 1`))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex('events_starts_at_id').on('events').columns(['starts_at', 'id']).execute();

    await db.schema
      .createTable('notifications')
      .addColumn('id', 'text', (c) => c.primaryKey().check(sql`id ~ '^[0-9a-f]{24}$'`))
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('to_mail', 'text', (c) => c.notNull())
      .addColumn('scheduled_time', 'timestamptz', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.references('events.id').onDelete('set null'))
      .addColumn('status', 'text', (c) =>
        c.notNull().defaultTo('scheduled').check(sql`status IN ('scheduled', 'sending', 'sent', 'failed', 'cancelled')`),
      )
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .addColumn('sent_at', 'timestamptz')
      .addColumn('schedule_seq', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1).check(sql`version >= 1`))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex('notifications_scheduled_time_id').on('notifications').columns(['scheduled_time', 'id']).execute();
    await db.schema.createIndex('notifications_event_id').on('notifications').column('event_id').execute();
    await db.schema
      .createIndex('notifications_open')
      .on('notifications')
      .columns(['status', 'updated_at'])
      .where(sql<boolean>`status IN ('scheduled', 'sending')`)
      .execute();

    await db.schema
      .createTable('idempotency_keys')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('response', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
      .execute();
    await db.schema.createIndex('idempotency_keys_created_at').on('idempotency_keys').column('created_at').execute();
  },
};
