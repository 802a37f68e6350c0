import { sql, type Kysely } from "kysely";

// Frozen once landed: later changes go in a new, later-dated migration.
// Money is bigint minor units everywhere (JPY ¥500 = 500, USD $12.50 = 1250).

const SCHEMA = `
CREATE TABLE users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  password_hash text,
  display_name  text NOT NULL DEFAULT '' CHECK (length(display_name) <= 100),
  locale        text NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'ja')),
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE organisations (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slug                text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 60),
  name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  summary             text NOT NULL DEFAULT '' CHECK (length(summary) <= 280),
  about               text NOT NULL DEFAULT '' CHECK (length(about) <= 20000),
  website             text CHECK (website ~ '^https?://'),
  -- A city or region only: a shelter must never be locatable from its page.
  region              text NOT NULL DEFAULT '' CHECK (length(region) <= 80),
  contact_email       text,
  stripe_account_id   text UNIQUE,
  charges_enabled     boolean NOT NULL DEFAULT false,
  platform_fee_bps    integer NOT NULL DEFAULT 0 CHECK (platform_fee_bps BETWEEN 0 AND 1000),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE organisation_members (
  organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role            text NOT NULL CHECK (role IN ('owner', 'organiser')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organisation_id, user_id)
);
CREATE INDEX organisation_members_user_idx ON organisation_members (user_id);

CREATE TABLE needs (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organisation_id bigint NOT NULL REFERENCES organisations (id),
  slug            text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 80),
  title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
  summary         text NOT NULL DEFAULT '' CHECK (length(summary) <= 280),
  story           text NOT NULL DEFAULT '' CHECK (length(story) <= 20000),
  currency        text NOT NULL DEFAULT 'JPY' CHECK (currency ~ '^[A-Z]{3}$'),
  deadline        date,
  surplus_policy  text NOT NULL DEFAULT '' CHECK (length(surplus_policy) <= 1000),
  status          text NOT NULL DEFAULT 'draft'
                  CHECK (status IN ('draft', 'live', 'funded', 'purchased', 'delivered', 'closed', 'cancelled')),
  published_at    timestamptz,
  funded_at       timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX needs_organisation_idx ON needs (organisation_id, status);
CREATE INDEX needs_status_idx ON needs (status, published_at DESC);

CREATE TABLE items (
  id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  need_id                bigint NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
  position               integer NOT NULL CHECK (position >= 0),
  name                   text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  description            text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
  quantity               integer NOT NULL CHECK (quantity BETWEEN 1 AND 100000),
  unit_cost              bigint NOT NULL CHECK (unit_cost > 0),
  substituted_by_item_id bigint REFERENCES items (id),
  created_at             timestamptz NOT NULL DEFAULT now(),
  -- Deferrable so a reorder can swap positions inside one transaction.
  CONSTRAINT items_need_position_key UNIQUE (need_id, position) DEFERRABLE INITIALLY IMMEDIATE
);

CREATE TABLE donations (
  id                          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  need_id                     bigint NOT NULL REFERENCES needs (id),
  item_id                     bigint REFERENCES items (id),
  amount                      bigint NOT NULL CHECK (amount > 0),
  fee_cover                   bigint NOT NULL DEFAULT 0 CHECK (fee_cover >= 0),
  currency                    text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  donor_name                  text NOT NULL DEFAULT '' CHECK (length(donor_name) <= 100),
  donor_email                 text NOT NULL CHECK (length(donor_email) <= 254),
  show_name                   boolean NOT NULL DEFAULT false,
  message                     text NOT NULL DEFAULT '' CHECK (length(message) <= 500),
  updates_opt_in              boolean NOT NULL DEFAULT false,
  locale                      text NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'ja')),
  status                      text NOT NULL DEFAULT 'pending'
                              CHECK (status IN ('pending', 'succeeded', 'failed', 'expired')),
  refunded_amount             bigint NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0 AND refunded_amount <= amount + fee_cover),
  disputed_amount             bigint NOT NULL DEFAULT 0 CHECK (disputed_amount >= 0),
  dispute_status              text,
  stripe_checkout_session_id  text UNIQUE,
  stripe_payment_intent_id    text UNIQUE,
  stripe_account_id           text,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  succeeded_at                timestamptz
);
CREATE INDEX donations_need_status_idx ON donations (need_id, status);

CREATE TABLE updates (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organisation_id bigint NOT NULL REFERENCES organisations (id),
  need_id         bigint REFERENCES needs (id),
  title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 140),
  body            text NOT NULL DEFAULT '' CHECK (length(body) <= 20000),
  -- When it happened (may be in the past) is distinct from when it was posted.
  event_date      date NOT NULL,
  published_at    timestamptz,
  lifecycle_step  text CHECK (lifecycle_step IN ('purchased', 'delivered', 'closed')),
  spend_note      text NOT NULL DEFAULT '' CHECK (length(spend_note) <= 500),
  created_at      timestamptz NOT NULL DEFAULT now(),
  edited_at       timestamptz,
  deleted_at      timestamptz
);
CREATE INDEX updates_need_idx ON updates (need_id, event_date DESC) WHERE deleted_at IS NULL;
CREATE INDEX updates_organisation_idx ON updates (organisation_id, event_date DESC) WHERE deleted_at IS NULL;
`;

export async function up(db: Kysely<any>): Promise<void> {
  // One statement per query: PGlite's extended protocol takes a single statement.
  for (const statement of SCHEMA.split(/;\s*$/m).map((s) => s.trim()).filter(Boolean)) {
    await sql.raw(statement).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE updates, donations, items, needs, organisation_members, organisations, users`.execute(db);
}
