import type { Migration } from '@platform/platform';
import { sql } from 'kysely';

/** The whole §3 model; the constraints make the database itself refuse an invalid draw. */
export const init: Migration = {
  async up(db) {
    await sql
      .raw(
        `
CREATE TABLE santa.groups (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('cycle', 'any')),
  avoid_previous boolean NOT NULL DEFAULT false,
  budget_amount numeric(12, 2) CHECK (budget_amount > 0),
  budget_currency text CHECK (budget_currency ~ '^[A-Z]{3}$'),
  exchange_date date,
  invite_code text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT groups_budget_complete CHECK ((budget_amount IS NULL) = (budget_currency IS NULL))
);

CREATE TABLE santa.members (
  id uuid PRIMARY KEY,
  group_id uuid NOT NULL REFERENCES santa.groups (id) ON DELETE CASCADE,
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  name text NOT NULL,
  email text,
  role text NOT NULL CHECK (role IN ('admin', 'member')),
  participating boolean NOT NULL,
  joined_at timestamptz NOT NULL DEFAULT now(),
  removed_at timestamptz,
  wishlist_updated_at timestamptz
);
CREATE UNIQUE INDEX members_name_unique ON santa.members (group_id, lower(name)) WHERE removed_at IS NULL;
CREATE UNIQUE INDEX members_one_admin ON santa.members (group_id) WHERE role = 'admin';
CREATE INDEX members_group_seq ON santa.members (group_id, seq);

CREATE TABLE santa.member_tokens (
  token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
  member_id uuid NOT NULL REFERENCES santa.members (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX member_tokens_member ON santa.member_tokens (member_id);

CREATE TABLE santa.exclusions (
  id uuid PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  group_id uuid NOT NULL REFERENCES santa.groups (id) ON DELETE CASCADE,
  giver_id uuid NOT NULL REFERENCES santa.members (id) ON DELETE CASCADE,
  receiver_id uuid NOT NULL REFERENCES santa.members (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT exclusions_unique UNIQUE (group_id, giver_id, receiver_id),
  CONSTRAINT exclusions_not_self CHECK (giver_id <> receiver_id)
);

CREATE TABLE santa.draws (
  id uuid PRIMARY KEY,
  group_id uuid NOT NULL REFERENCES santa.groups (id) ON DELETE CASCADE,
  number integer NOT NULL CHECK (number >= 1),
  status text NOT NULL CHECK (status IN ('active', 'superseded')),
  mode text NOT NULL CHECK (mode IN ('cycle', 'any')),
  avoid_previous boolean NOT NULL,
  participant_count integer NOT NULL CHECK (participant_count >= 3),
  seed bytea NOT NULL CHECK (octet_length(seed) = 32),
  input text NOT NULL,
  commitment text NOT NULL CHECK (commitment ~ '^[0-9a-f]{64}$'),
  initial_pairs jsonb NOT NULL,
  change_count integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  revealed_at timestamptz,
  CONSTRAINT draws_number_unique UNIQUE (group_id, number)
);
CREATE UNIQUE INDEX draws_one_active ON santa.draws (group_id) WHERE status = 'active';

CREATE TABLE santa.assignments (
  draw_id uuid NOT NULL REFERENCES santa.draws (id) ON DELETE CASCADE,
  giver_id uuid NOT NULL REFERENCES santa.members (id) ON DELETE CASCADE,
  receiver_id uuid NOT NULL REFERENCES santa.members (id) ON DELETE CASCADE,
  PRIMARY KEY (draw_id, giver_id),
  CONSTRAINT assignments_receiver_unique UNIQUE (draw_id, receiver_id),
  CONSTRAINT assignments_not_self CHECK (giver_id <> receiver_id)
);

CREATE TABLE santa.draw_changes (
  draw_id uuid NOT NULL REFERENCES santa.draws (id) ON DELETE CASCADE,
  seq integer NOT NULL CHECK (seq >= 1),
  kind text NOT NULL CHECK (kind IN ('join', 'leave')),
  member_id uuid NOT NULL REFERENCES santa.members (id) ON DELETE CASCADE,
  giver_id uuid NOT NULL REFERENCES santa.members (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (draw_id, seq)
);

CREATE TABLE santa.wishlist_items (
  member_id uuid NOT NULL REFERENCES santa.members (id) ON DELETE CASCADE,
  position integer NOT NULL CHECK (position >= 0 AND position < 50),
  text text NOT NULL,
  url text,
  PRIMARY KEY (member_id, position)
);

CREATE TABLE santa.messages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  draw_id uuid NOT NULL REFERENCES santa.draws (id) ON DELETE CASCADE,
  giver_id uuid NOT NULL REFERENCES santa.members (id) ON DELETE CASCADE,
  receiver_id uuid NOT NULL REFERENCES santa.members (id) ON DELETE CASCADE,
  author_id uuid NOT NULL REFERENCES santa.members (id) ON DELETE CASCADE,
  text text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT messages_author_in_pair CHECK (author_id IN (giver_id, receiver_id))
);
CREATE INDEX messages_thread ON santa.messages (draw_id, giver_id, receiver_id, id);

CREATE TABLE santa.outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  group_id uuid NOT NULL REFERENCES santa.groups (id) ON DELETE CASCADE,
  member_id uuid REFERENCES santa.members (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('invitation', 'link', 'draw', 'change')),
  to_address text NOT NULL,
  body jsonb,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed', 'not_sent')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  CONSTRAINT outbox_body_until_sent CHECK (status <> 'sent' OR body IS NULL)
);
CREATE INDEX outbox_group ON santa.outbox (group_id, id);
CREATE INDEX outbox_queued ON santa.outbox (created_at) WHERE status = 'queued';
`,
      )
      .execute(db);
  },
};
