import type { Migration } from '@platform/platform';
import { sql, type Kysely } from 'kysely';

/** Runs on a handle already scoped to schema `snackdrawer`. */
export const init: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('users')
      .addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().primaryKey())
      .addColumn('username', 'text', (c) => c.notNull().unique())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull().defaultTo('user').check(sql`role IN ('user', 'admin')`))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createTable('snacks')
      .addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('created_by', 'bigint', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createTable('drawers')
      .addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().primaryKey())
      .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addUniqueConstraint('drawers_user_id_name_key', ['user_id', 'name'])
      .execute();
    await db.schema
      .createTable('drawer_snacks')
      .addColumn('drawer_id', 'bigint', (c) => c.notNull().references('drawers.id').onDelete('cascade'))
      .addColumn('snack_id', 'bigint', (c) => c.notNull().references('snacks.id').onDelete('cascade'))
      .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity BETWEEN 1 AND 1000`))
      .addPrimaryKeyConstraint('drawer_snacks_pkey', ['drawer_id', 'snack_id'])
      .execute();
    await db.schema.createIndex('drawer_snacks_snack_id_idx').on('drawer_snacks').column('snack_id').execute();
  },
};
