import { sql, type Kysely } from "kysely";

// Frozen once landed. Donations through Stripe (issue 5): the webhook ledger, refunds and
// disputes as Stripe reports them, goal-met notifications sent at most once, and what the
// donate form needs so a double submit can never open a second Checkout Session.

const SCHEMA = `
ALTER TABLE donations
  -- A random token rendered into the donate form: a double submit or a browser retry
  -- finds the same pending donation instead of creating a second one.
  ADD COLUMN submission_token text UNIQUE,
  ADD COLUMN application_fee bigint NOT NULL DEFAULT 0 CHECK (application_fee >= 0),
  ADD COLUMN checkout_url text,
  ADD COLUMN checkout_expires_at timestamptz,
  ADD COLUMN stripe_charge_id text,
  ADD COLUMN failed_at timestamptz,
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX donations_need_created_idx ON donations (need_id, created_at DESC);
CREATE INDEX donations_email_idx ON donations (need_id, lower(donor_email));

ALTER TABLE organisations
  ADD COLUMN details_submitted boolean NOT NULL DEFAULT false,
  ADD COLUMN payouts_enabled boolean NOT NULL DEFAULT false,
  -- Stripe's own 'created' of the newest account.updated applied: an older event arriving
  -- late cannot switch charges back on or off.
  ADD COLUMN stripe_account_synced_at bigint;

-- Every Stripe event id once. The row is written in the same transaction as its effects,
-- so a crash leaves neither and Stripe's retry starts over.
CREATE TABLE stripe_events (
  id           text PRIMARY KEY,
  type         text NOT NULL,
  account_id   text,
  livemode     boolean NOT NULL DEFAULT false,
  -- Stripe's 'created' (unix seconds): orders facts that arrive out of order.
  created      bigint NOT NULL,
  outcome      text NOT NULL CHECK (outcome IN ('processed', 'ignored', 'parked')),
  detail       text NOT NULL DEFAULT '' CHECK (length(detail) <= 1000),
  donation_id  bigint REFERENCES donations (id),
  received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stripe_events_parked_idx ON stripe_events (received_at) WHERE outcome = 'parked';
CREATE INDEX stripe_events_donation_idx ON stripe_events (donation_id);

-- Refunds and disputes are stored by Stripe id against the PaymentIntent, not the donation:
-- a refund can arrive before the completion that tells us which donation the intent is.
CREATE TABLE payment_refunds (
  stripe_refund_id  text PRIMARY KEY,
  payment_intent_id text NOT NULL,
  amount            bigint NOT NULL CHECK (amount > 0),
  currency          text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  status            text NOT NULL,
  -- Stripe 'created' of the event that last set status: a late, older event changes nothing.
  status_at         bigint NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_refunds_intent_idx ON payment_refunds (payment_intent_id);

CREATE TABLE payment_disputes (
  stripe_dispute_id text PRIMARY KEY,
  payment_intent_id text NOT NULL,
  amount            bigint NOT NULL CHECK (amount >= 0),
  currency          text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  status            text NOT NULL,
  status_at         bigint NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_disputes_intent_idx ON payment_disputes (payment_intent_id);

-- A charge's cumulative refunded amount as a charge.refunded event reported it, for events
-- that carry no refund objects.
CREATE TABLE payment_charge_refunds (
  payment_intent_id text PRIMARY KEY,
  amount_refunded   bigint NOT NULL CHECK (amount_refunded >= 0),
  status_at         bigint NOT NULL,
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- "Goal met" goes to an address once per need, ever: if refunds drop the need below its
-- goal and it is crossed again, the insert conflicts and nothing is sent.
CREATE TABLE goal_met_notifications (
  need_id    bigint NOT NULL REFERENCES needs (id),
  email      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX goal_met_notifications_key ON goal_met_notifications (need_id, lower(email))
`;

export async function up(db: Kysely<any>): Promise<void> {
  // One statement per query: PGlite's extended protocol takes a single statement.
  for (const statement of SCHEMA.split(/;\s*$/m).map((s) => s.trim()).filter(Boolean)) {
    await sql.raw(statement).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE goal_met_notifications, payment_charge_refunds, payment_disputes, payment_refunds, stripe_events`.execute(db);
  await sql`ALTER TABLE organisations DROP COLUMN details_submitted, DROP COLUMN payouts_enabled, DROP COLUMN stripe_account_synced_at`.execute(db);
  await sql`ALTER TABLE donations DROP COLUMN submission_token, DROP COLUMN application_fee, DROP COLUMN checkout_url,
    DROP COLUMN checkout_expires_at, DROP COLUMN stripe_charge_id, DROP COLUMN failed_at, DROP COLUMN updated_at`.execute(db);
}
