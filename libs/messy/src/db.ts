import type { ColumnType, Generated } from 'kysely';

/** Hand-written table types of schema `messy`, kept in step with migrations by test/db-schema.test.ts. */
export interface MessagesTable {
  id: string;
  username: string;
  city: string;
  city_key: string;
  state: string;
  message: string;
  created_at: ColumnType<Date, Date | string, never>;
  persisted_at: Generated<Date>;
}

export interface UserCountsTable {
  username: string;
  messages: number;
}

export interface CityCountsTable {
  state: string;
  city_key: string;
  city: string;
  messages: number;
}

export interface StateCountsTable {
  state: string;
  messages: number;
  cities: number;
}

export interface SecondCountsTable {
  bucket: Date;
  messages: number;
}

export interface TotalsTable {
  id: number;
  messages: number;
  users: number;
  cities: number;
}

export interface MessyDb {
  messages: MessagesTable;
  user_counts: UserCountsTable;
  city_counts: CityCountsTable;
  state_counts: StateCountsTable;
  second_counts: SecondCountsTable;
  totals: TotalsTable;
}
