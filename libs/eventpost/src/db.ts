import type { Generated } from 'kysely';

export type NotificationStatus = 'scheduled' | 'sending' | 'sent' | 'failed' | 'cancelled';

export interface EventsTable {
  id: string;
  title: string;
  description: string;
  /** `YYYY-MM-DD` as sent: kept as text so no driver time zone ever shifts it. */
  date: string;
  time: string;
  timezone: string;
  starts_at: Date;
  place: string;
  organizer: string;
  topics: string;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface NotificationsTable {
  id: string;
  subject: string;
  content: string;
  to_mail: string;
  scheduled_time: Date;
  event_id: string | null;
  status: Generated<NotificationStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  sent_at: Date | null;
  /** Bumped on every (re)schedule: names the one delivery job that may send this row. */
  schedule_seq: Generated<number>;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  /** Null while the first request is still running. */
  response: string | null;
  created_at: Generated<Date>;
}

export interface EventpostDb {
  events: EventsTable;
  notifications: NotificationsTable;
  idempotency_keys: IdempotencyKeysTable;
}

export type EventRow = {
  [K in keyof EventsTable]: EventsTable[K] extends Generated<infer T> ? T : EventsTable[K];
};
export type NotificationRow = {
  [K in keyof NotificationsTable]: NotificationsTable[K] extends Generated<infer T> ? T : NotificationsTable[K];
};
