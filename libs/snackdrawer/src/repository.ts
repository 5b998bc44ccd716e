import { moduleDb, queryTemplate } from '@platform/platform';
import { sql, type Kysely } from 'kysely';
import type { Role, SnackdrawerDb } from './db';

/** Wraps each repository call: timing under one fixed `<table>.<action>` name, and injected DB faults. */
export type CallWrapper = <T>(operation: string, run: () => Promise<T>) => Promise<T>;

export interface UserRow {
  id: number;
  username: string;
  role: Role;
}

export interface NamedRow {
  id: number;
  name: string;
}

export interface ContentRow extends NamedRow {
  quantity: number;
}

export type Repository = ReturnType<typeof createRepository>;

/** Every query of the module. Drawer queries carry `user_id = caller`: ownership is part of the query. */
export function createRepository(root: Kysely<any>, call: CallWrapper) {
  const db = moduleDb<SnackdrawerDb>(root, 'snackdrawer');
  // The authenticated list is the module's hot path (its throughput target): compiled once, not per request.
  const drawersPage = queryTemplate(db, (userId: number, afterId: number, limit: number) =>
    db.selectFrom('drawers').select(['id', 'name']).where('user_id', '=', userId).where('id', '>', afterId).orderBy('id').limit(limit),
  );
  return {
    insertUser: (username: string, passwordHash: string) =>
      call('users.insert', () =>
        db.insertInto('users').values({ username, password_hash: passwordHash }).returning(['id', 'username']).executeTakeFirstOrThrow(),
      ),

    upsertAdmin: (username: string, passwordHash: string) =>
      call('users.upsert_admin', () =>
        db
          .insertInto('users')
          .values({ username, password_hash: passwordHash, role: 'admin' })
          .onConflict((oc) => oc.column('username').doUpdateSet({ role: 'admin', password_hash: passwordHash }))
          .returning('id')
          .executeTakeFirstOrThrow(),
      ),

    findCredentials: (username: string) =>
      call('users.find_credentials', () =>
        db.selectFrom('users').select(['id', 'role', 'password_hash']).where('username', '=', username).executeTakeFirst(),
      ),

    findUser: (id: number): Promise<UserRow | undefined> =>
      call('users.find', () => db.selectFrom('users').select(['id', 'username', 'role']).where('id', '=', id).executeTakeFirst()),

    listSnacks: (afterId: number, limit: number): Promise<NamedRow[]> =>
      call('snacks.list', () =>
        db.selectFrom('snacks').select(['id', 'name']).where('id', '>', afterId).orderBy('id').limit(limit).execute(),
      ),

    findSnack: (id: number): Promise<NamedRow | undefined> =>
      call('snacks.find', () => db.selectFrom('snacks').select(['id', 'name']).where('id', '=', id).executeTakeFirst()),

    insertSnack: (name: string, createdBy: number): Promise<NamedRow> =>
      call('snacks.insert', () =>
        db.insertInto('snacks').values({ name, created_by: createdBy }).returning(['id', 'name']).executeTakeFirstOrThrow(),
      ),

    listDrawers: (userId: number, afterId: number, limit: number): Promise<NamedRow[]> =>
      call('drawers.list', () => drawersPage(userId, afterId, limit)),

    insertDrawer: (userId: number, name: string): Promise<NamedRow> =>
      call('drawers.insert', () =>
        db.insertInto('drawers').values({ user_id: userId, name }).returning(['id', 'name']).executeTakeFirstOrThrow(),
      ),

    findDrawer: (id: number, userId: number): Promise<NamedRow | undefined> =>
      call('drawers.find', () =>
        db.selectFrom('drawers').select(['id', 'name']).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst(),
      ),

    renameDrawer: (id: number, userId: number, name: string): Promise<NamedRow | undefined> =>
      call('drawers.rename', () =>
        db
          .updateTable('drawers')
          .set({ name, updated_at: sql<Date>`now()` })
          .where('id', '=', id)
          .where('user_id', '=', userId)
          .returning(['id', 'name'])
          .executeTakeFirst(),
      ),

    deleteDrawer: async (id: number, userId: number): Promise<boolean> =>
      call('drawers.delete', async () => {
        const result = await db.deleteFrom('drawers').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
        return result.numDeletedRows > 0n;
      }),

    /** Only to count an attempt on someone else's drawer after an ownership miss. */
    drawerExists: async (id: number): Promise<boolean> =>
      call('drawers.exists', async () => (await db.selectFrom('drawers').select('id').where('id', '=', id).executeTakeFirst()) !== undefined),

    listContents: (drawerId: number): Promise<ContentRow[]> =>
      call('drawer_snacks.list', () =>
        db
          .selectFrom('drawer_snacks as ds')
          .innerJoin('snacks as s', 's.id', 'ds.snack_id')
          .select(['s.id', 's.name', 'ds.quantity'])
          .where('ds.drawer_id', '=', drawerId)
          .orderBy('s.id')
          .execute(),
      ),

    /** One atomic upsert; undefined when the drawer is not the caller's. */
    addToDrawer: (drawerId: number, userId: number, snackId: number, quantity: number) =>
      call('drawer_snacks.add', async () => {
        const { rows } = await sql<{ inserted: boolean }>`
          INSERT INTO snackdrawer.drawer_snacks AS ds (drawer_id, snack_id, quantity)
          SELECT d.id, ${snackId}::bigint, ${quantity}::integer
          FROM snackdrawer.drawers d
          WHERE d.id = ${drawerId} AND d.user_id = ${userId}
          ON CONFLICT (drawer_id, snack_id) DO UPDATE SET quantity = ds.quantity + excluded.quantity
          RETURNING (xmax = 0) AS inserted`.execute(root);
        const row = rows[0];
        return row === undefined ? undefined : row.inserted ? ('inserted' as const) : ('updated' as const);
      }),

    setQuantity: async (drawerId: number, userId: number, snackId: number, quantity: number): Promise<boolean> =>
      call('drawer_snacks.set_quantity', async () => {
        const result = await db
          .updateTable('drawer_snacks')
          .set({ quantity })
          .where('drawer_id', '=', drawerId)
          .where('snack_id', '=', snackId)
          .where((eb) => eb.exists(eb.selectFrom('drawers').select('id').where('id', '=', drawerId).where('user_id', '=', userId)))
          .executeTakeFirst();
        return result.numUpdatedRows > 0n;
      }),

    removeFromDrawer: async (drawerId: number, userId: number, snackId: number): Promise<boolean> =>
      call('drawer_snacks.remove', async () => {
        const result = await db
          .deleteFrom('drawer_snacks')
          .where('drawer_id', '=', drawerId)
          .where('snack_id', '=', snackId)
          .where((eb) => eb.exists(eb.selectFrom('drawers').select('id').where('id', '=', drawerId).where('user_id', '=', userId)))
          .executeTakeFirst();
        return result.numDeletedRows > 0n;
      }),
  };
}
