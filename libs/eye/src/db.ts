import type { ColumnType, Generated } from 'kysely';

/** Row shapes of schema `eye`, kept in step with the migrations by test/db-schema.test.ts. */
export interface EventsTable {
  id: string;
  event_id: string | null;
  application: string;
  session_id: string;
  category: string;
  name: string;
  data: unknown;
  timestamp: ColumnType<string, string, never>;
  received_at: ColumnType<string, string, never>;
  type_version: number | null;
  seq: number;
  dedup_key: string;
  stored_at: Generated<string>;
}

export interface ErrorsTable {
  id: string;
  application: string;
  code: string;
  message: string;
  details: string | null;
  endpoint: string;
  index: number | null;
  payload: string | null;
  raw_text: string | null;
  received_at: string;
  status: Generated<'open' | 'replayed'>;
  replayed_event_id: string | null;
  replayed_at: string | null;
}

interface EventTypesTable {
  application: string;
  category: string;
  name: string;
  version: number;
  schema: unknown;
  description: string | null;
  created_at: Generated<string>;
}

export interface EyeDb {
  events: EventsTable;
  errors: ErrorsTable;
  event_types: EventTypesTable;
}
