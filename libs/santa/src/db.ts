import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface GroupsTable {
  id: string;
  name: string;
  mode: 'cycle' | 'any';
  avoid_previous: Generated<boolean>;
  budget_amount: string | null;
  budget_currency: string | null;
  exchange_date: string | null;
  invite_code: string;
  created_at: Timestamp;
}

export interface MembersTable {
  id: string;
  group_id: string;
  seq: Generated<number>;
  name: string;
  email: string | null;
  role: 'admin' | 'member';
  participating: boolean;
  joined_at: Timestamp;
  removed_at: NullableTimestamp;
  wishlist_updated_at: NullableTimestamp;
}

export interface MemberTokensTable {
  token_hash: Buffer;
  member_id: string;
  created_at: Timestamp;
}

export interface ExclusionsTable {
  id: string;
  seq: Generated<number>;
  group_id: string;
  giver_id: string;
  receiver_id: string;
  created_at: Timestamp;
}

export interface DrawsTable {
  id: string;
  group_id: string;
  number: number;
  status: 'active' | 'superseded';
  mode: 'cycle' | 'any';
  avoid_previous: boolean;
  participant_count: number;
  seed: Buffer;
  input: string;
  commitment: string;
  initial_pairs: ColumnType<{ giver_id: string; receiver_id: string }[], string, string>;
  change_count: Generated<number>;
  created_at: Timestamp;
  revealed_at: NullableTimestamp;
}

export interface AssignmentsTable {
  draw_id: string;
  giver_id: string;
  receiver_id: string;
}

export interface DrawChangesTable {
  draw_id: string;
  seq: number;
  kind: 'join' | 'leave';
  member_id: string;
  giver_id: string;
  created_at: Timestamp;
}

export interface WishlistItemsTable {
  member_id: string;
  position: number;
  text: string;
  url: string | null;
}

export interface MessagesTable {
  id: Generated<number>;
  draw_id: string;
  giver_id: string;
  receiver_id: string;
  author_id: string;
  text: string;
  created_at: Timestamp;
}

export type EmailKind = 'invitation' | 'link' | 'draw' | 'change';
export type EmailStatus = 'queued' | 'sent' | 'failed' | 'not_sent';

export interface OutboxTable {
  id: Generated<number>;
  group_id: string;
  member_id: string | null;
  kind: EmailKind;
  to_address: string;
  body: ColumnType<{ subject: string; text: string; html: string } | null, string | null, string | null>;
  status: Generated<EmailStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: Timestamp;
  sent_at: NullableTimestamp;
}

export interface SantaDb {
  groups: GroupsTable;
  members: MembersTable;
  member_tokens: MemberTokensTable;
  exclusions: ExclusionsTable;
  draws: DrawsTable;
  assignments: AssignmentsTable;
  draw_changes: DrawChangesTable;
  wishlist_items: WishlistItemsTable;
  messages: MessagesTable;
  outbox: OutboxTable;
}
