import { sql, type Kysely } from "kysely";

// Frozen once landed. The email path (issue 3): outbox, subscriptions, suppressions,
// the local mailbox, and a shared pacing row so every worker together keeps under
// the provider's request rate.

const SCHEMA = `
CREATE TABLE subscriptions (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email           text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  -- NULL: everything from the organisation; otherwise one need.
  need_id         bigint REFERENCES needs (id) ON DELETE CASCADE,
  -- Opaque, random, unguessable: the one-click unsubscribe link carries it.
  token           text NOT NULL UNIQUE CHECK (length(token) >= 32),
  locale          text NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'ja')),
  -- pending: awaiting double opt-in (followers); active; unsubscribed.
  status          text NOT NULL DEFAULT 'active' CHECK (status IN ('pending', 'active', 'unsubscribed')),
  source          text NOT NULL DEFAULT 'donation' CHECK (source IN ('donation', 'follow')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  confirmed_at    timestamptz,
  unsubscribed_at timestamptz
);
CREATE UNIQUE INDEX subscriptions_scope_key ON subscriptions (lower(email), organisation_id, coalesce(need_id, 0));

CREATE TABLE email_suppressions (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email           text NOT NULL,
  -- 'all' (bounces, complaints), 'organisation:<id>' or 'need:<id>' (unsubscribes).
  scope           text NOT NULL CHECK (scope ~ '^(all|organisation:[0-9]+|need:[0-9]+)$'),
  reason          text NOT NULL CHECK (reason IN ('unsubscribed', 'bounced', 'complained')),
  source_event_id text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX email_suppressions_key ON email_suppressions (lower(email), scope);

CREATE TABLE outbox_emails (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- Chosen by the caller from the email's cause, e.g. goal-met:<need>:<address>.
  idempotency_key     text NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 256),
  kind                text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9-]*$'),
  recipient           text NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254),
  locale              text NOT NULL CHECK (locale IN ('en', 'ja')),
  props               jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Receipts and password resets: still sent after an unsubscribe from updates.
  transactional       boolean NOT NULL DEFAULT false,
  -- The subscription behind a non-transactional email: its token makes the unsubscribe link.
  subscription_id     bigint REFERENCES subscriptions (id) ON DELETE SET NULL,
  -- Rows of one fan-out share a batch key and go out through the batch endpoint together.
  batch_key           text,
  -- The Idempotency-Key of the provider call that carries this row; kept across retries.
  send_key            text,
  status              text NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'sending', 'sent', 'dead', 'suppressed')),
  attempts            integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at     timestamptz NOT NULL DEFAULT now(),
  lease_expires_at    timestamptz,
  provider_message_id text,
  last_error          text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  sent_at             timestamptz
);
CREATE INDEX outbox_emails_due_idx ON outbox_emails (next_attempt_at, id) WHERE status IN ('queued', 'sending');
CREATE INDEX outbox_emails_send_key_idx ON outbox_emails (send_key) WHERE send_key IS NOT NULL;
CREATE INDEX outbox_emails_batch_idx ON outbox_emails (batch_key, id) WHERE status = 'queued' AND batch_key IS NOT NULL;

CREATE TABLE mailbox_messages (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The same key twice is the same delivery: the local mailbox is idempotent like Resend.
  idempotency_key text NOT NULL UNIQUE,
  message_id      text NOT NULL UNIQUE,
  sender          text NOT NULL,
  recipient       text NOT NULL,
  subject         text NOT NULL,
  html            text NOT NULL,
  text            text NOT NULL,
  headers         jsonb NOT NULL DEFAULT '{}'::jsonb,
  locale          text NOT NULL DEFAULT 'en',
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mailbox_messages_recipient_idx ON mailbox_messages (lower(recipient), created_at DESC);

CREATE TABLE email_send_pacing (
  id        integer PRIMARY KEY CHECK (id = 1),
  next_slot timestamptz NOT NULL DEFAULT now()
);
INSERT INTO email_send_pacing (id) VALUES (1);

CREATE TABLE resend_events (
  svix_id     text PRIMARY KEY,
  type        text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
`;

export async function up(db: Kysely<any>): Promise<void> {
  // One statement per query: PGlite's extended protocol takes a single statement.
  for (const statement of SCHEMA.split(/;\s*$/m).map((s) => s.trim()).filter(Boolean)) {
    await sql.raw(statement).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE resend_events, email_send_pacing, mailbox_messages, outbox_emails, email_suppressions, subscriptions`.execute(db);
}
