import type { Migration } from '@platform/platform';
import { sql, type Kysely } from 'kysely';
import { MAX_LENGTH, STATES } from '../validation';

// Unicode Cc except \n and \t (messages may hold those); Postgres text cannot hold U+0000 at all.
const CONTROL = String.raw`[\x01-\x1f\x7f-\x9f]`;
const CONTROL_EXCEPT_NL_TAB = String.raw`[\x01-\x08\x0b-\x1f\x7f-\x9f]`;

export const init: Migration = {
  async up(db: Kysely<any>) {
    const states = sql.join(STATES.map((state) => sql.lit(state)));
    await db.schema
      .createTable('messages')
      .addColumn('id', 'uuid', (col) => col.primaryKey())
      .addColumn('username', 'text', (col) => col.notNull())
      .addColumn('city', 'text', (col) => col.notNull())
      .addColumn('city_key', 'text', (col) => col.notNull())
      .addColumn('state', sql`char(2)`, (col) => col.notNull())
      .addColumn('message', 'text', (col) => col.notNull())
      .addColumn('created_at', 'timestamptz', (col) => col.notNull())
      .addColumn('persisted_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
      .addCheckConstraint('messages_username_valid', sql`char_length(username) BETWEEN 1 AND ${sql.lit(MAX_LENGTH.username)} AND username !~ ${sql.lit(CONTROL)}`)
      .addCheckConstraint('messages_city_valid', sql`char_length(city) BETWEEN 1 AND ${sql.lit(MAX_LENGTH.city)} AND city !~ ${sql.lit(CONTROL)} AND char_length(city_key) >= 1`)
      .addCheckConstraint('messages_message_valid', sql`char_length(message) BETWEEN 1 AND ${sql.lit(MAX_LENGTH.message)} AND message !~ ${sql.lit(CONTROL_EXCEPT_NL_TAB)}`)
      .addCheckConstraint('messages_state_valid', sql`state IN (${states})`)
      .execute();
    await sql`CREATE INDEX messages_created_idx ON messy.messages (created_at DESC, id DESC)`.execute(db);
    await sql`CREATE INDEX messages_user_created_idx ON messy.messages (username, created_at DESC, id DESC)`.execute(db);
    await sql`CREATE INDEX messages_city_created_idx ON messy.messages (state, city_key, created_at DESC, id DESC)`.execute(db);

    await db.schema
      .createTable('user_counts')
      .addColumn('username', 'text', (col) => col.primaryKey())
      .addColumn('messages', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema
      .createTable('city_counts')
      .addColumn('state', sql`char(2)`, (col) => col.notNull())
      .addColumn('city_key', 'text', (col) => col.notNull())
      .addColumn('city', 'text', (col) => col.notNull())
      .addColumn('messages', 'bigint', (col) => col.notNull())
      .addPrimaryKeyConstraint('city_counts_pkey', ['state', 'city_key'])
      .execute();
    await db.schema
      .createTable('state_counts')
      .addColumn('state', sql`char(2)`, (col) => col.primaryKey())
      .addColumn('messages', 'bigint', (col) => col.notNull())
      .addColumn('cities', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema
      .createTable('second_counts')
      .addColumn('bucket', 'timestamptz', (col) => col.primaryKey())
      .addColumn('messages', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema
      .createTable('totals')
      .addColumn('id', 'integer', (col) => col.primaryKey().check(sql`id = 1`))
      .addColumn('messages', 'bigint', (col) => col.notNull())
      .addColumn('users', 'bigint', (col) => col.notNull())
      .addColumn('cities', 'bigint', (col) => col.notNull())
      .execute();
    await sql`INSERT INTO messy.totals (id, messages, users, cities) VALUES (1, 0, 0, 0)`.execute(db);
    // The snapshot's top-10 lists read these instead of sorting every counter row.
    await sql`CREATE INDEX user_counts_top_idx ON messy.user_counts (messages DESC, username COLLATE "C")`.execute(db);
    await sql`CREATE INDEX city_counts_top_idx ON messy.city_counts (messages DESC, state COLLATE "C", city_key COLLATE "C")`.execute(db);
  },
};
