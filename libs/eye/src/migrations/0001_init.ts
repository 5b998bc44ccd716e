import type { Migration } from '@platform/platform';
import { sql, type Kysely } from 'kysely';

export const init: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('events')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('event_id', 'text')
      .addColumn('application', 'text', (c) => c.notNull())
      .addColumn('session_id', 'text', (c) => c.notNull())
      .addColumn('category', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('data', 'jsonb', (c) => c.notNull())
      .addColumn('timestamp', 'timestamptz', (c) => c.notNull())
      .addColumn('received_at', 'timestamptz', (c) => c.notNull())
      .addColumn('type_version', 'integer')
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('dedup_key', 'text', (c) => c.notNull())
      .addColumn('stored_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
      .addUniqueConstraint('events_application_dedup_key_key', ['application', 'dedup_key'])
      .execute();
    await db.schema.createIndex('events_session_idx').on('events').columns(['application', 'session_id', 'timestamp', 'seq']).execute();
    await db.schema.createIndex('events_type_idx').on('events').columns(['application', 'category', 'name', 'timestamp', 'seq']).execute();
    await db.schema.createIndex('events_time_idx').on('events').columns(['application', 'timestamp', 'seq']).execute();

    await db.schema
      .createTable('errors')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('application', 'text', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('details', 'text')
      .addColumn('endpoint', 'text', (c) => c.notNull())
      .addColumn('index', 'integer')
      .addColumn('payload', 'text')
      .addColumn('raw_text', 'text')
      .addColumn('received_at', 'timestamptz', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('open').check(sql`status IN ('open', 'replayed')`))
      .addColumn('replayed_event_id', 'uuid')
      .addColumn('replayed_at', 'timestamptz')
      .execute();
    await db.schema.createIndex('errors_received_idx').on('errors').columns(['application', 'received_at', 'id']).execute();
    await db.schema.createIndex('errors_code_idx').on('errors').columns(['application', 'code', 'received_at']).execute();

    await db.schema
      .createTable('event_types')
      .addColumn('application', 'text', (c) => c.notNull())
      .addColumn('category', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('schema', 'jsonb', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
      .addPrimaryKeyConstraint('event_types_pkey', ['application', 'category', 'name', 'version'])
      .execute();
  },
};
