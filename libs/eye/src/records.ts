import type { InsertType, Selectable } from 'kysely';
import type { ErrorsTable, EventsTable } from './db';

/** A table's row as inserted (the insert side of each `ColumnType`). */
type InsertedRow<T> = { [K in keyof T]: InsertType<T[K]> };

/** What a persist job carries: events and error records, ready to insert (times in output form). */
export type QueuedEvent = Omit<InsertedRow<EventsTable>, 'data' | 'stored_at'> & {
  /** `data` as JSON text, serialised once on the request path. */
  data: string;
};

/** `details` is JSON text, which may name keys that jsonb refuses; replay fields are set later. */
export type QueuedError = Omit<InsertedRow<ErrorsTable>, 'status' | 'replayed_event_id' | 'replayed_at'>;

/** Events column by column: half the JSON of an array of objects, and the arrays `unnest` takes as they are. */
export type EventColumns = { [K in keyof QueuedEvent]: QueuedEvent[K][] };

export interface PersistJob {
  events: EventColumns;
  errors: QueuedError[];
}

const EVENT_FIELDS: (keyof QueuedEvent)[] = ['id', 'event_id', 'application', 'session_id', 'category', 'name', 'data', 'timestamp', 'received_at', 'type_version', 'seq', 'dedup_key'];

export function toColumns(events: QueuedEvent[]): EventColumns {
  const columns = Object.fromEntries(EVENT_FIELDS.map((field) => [field, new Array(events.length)])) as Record<keyof QueuedEvent, unknown[]>;
  events.forEach((event, row) => {
    for (const field of EVENT_FIELDS) columns[field][row] = event[field];
  });
  return columns as EventColumns;
}

/** An event as every endpoint returns it: the stored row without the storage-only columns. */
export type EventView = Omit<Selectable<EventsTable>, 'seq' | 'dedup_key' | 'stored_at'>;

export interface ErrorView {
  id: string;
  application: string;
  code: string;
  message: string;
  details: unknown;
  endpoint: string;
  index: number | null;
  payload: unknown;
  raw_text: string | null;
  received_at: string;
  status: 'open' | 'replayed';
  replayed_event_id: string | null;
  replayed_at: string | null;
}

export interface EventTypeView {
  category: string;
  name: string;
  version: number;
  source: 'builtin' | 'registered';
  schema: unknown;
  description: string | null;
  created_at: string | null;
}
