import type { ColumnType, Generated } from 'kysely';

/** Hand-written table types of schema `snackdrawer`; test/schema.test.ts compares them with information_schema. */
export interface UsersTable {
  id: Generated<number>;
  username: string;
  password_hash: string;
  role: ColumnType<Role, Role | undefined, Role>;
  created_at: ColumnType<Date, never, never>;
}

export interface SnacksTable {
  id: Generated<number>;
  name: string;
  created_by: number | null;
  created_at: ColumnType<Date, never, never>;
}

export interface DrawersTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date | string>;
}

export interface DrawerSnacksTable {
  drawer_id: number;
  snack_id: number;
  quantity: number;
}

export type Role = 'user' | 'admin';

export interface SnackdrawerDb {
  users: UsersTable;
  snacks: SnacksTable;
  drawers: DrawersTable;
  drawer_snacks: DrawerSnacksTable;
}

/** Column list per table, as the migrations create them (checked against information_schema). */
export const TABLE_COLUMNS: Record<keyof SnackdrawerDb, string[]> = {
  users: ['id', 'username', 'password_hash', 'role', 'created_at'],
  snacks: ['id', 'name', 'created_by', 'created_at'],
  drawers: ['id', 'user_id', 'name', 'created_at', 'updated_at'],
  drawer_snacks: ['drawer_id', 'snack_id', 'quantity'],
};
