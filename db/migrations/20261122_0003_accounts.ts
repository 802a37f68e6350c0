import { sql, type Kysely } from "kysely";

// Frozen once landed. Organiser accounts (issue 4): sessions, password resets,
// invitations, and rate-limit counters that hold across processes.
// Every token is stored as its SHA-256: a leaked table grants nothing.

const SCHEMA = `
CREATE TABLE sessions (
  id_hash      text PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  -- Absolute expiry; idle expiry is last_seen_at plus the idle timeout.
  expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE password_resets (
  token_hash text PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

CREATE TABLE invitations (
  token_hash      text PRIMARY KEY,
  organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  email           text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  role            text NOT NULL CHECK (role IN ('owner', 'organiser')),
  invited_by      bigint REFERENCES users (id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  accepted_at     timestamptz,
  accepted_by     bigint REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX invitations_organisation_idx ON invitations (organisation_id);

CREATE TABLE rate_limit_hits (
  -- e.g. 'login:ip:203.0.113.7' or 'login:account:<sha256 of the address>'
  bucket       text NOT NULL,
  window_start timestamptz NOT NULL,
  hits         integer NOT NULL DEFAULT 0 CHECK (hits >= 0),
  PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limit_hits_window_idx ON rate_limit_hits (window_start);
`;

export async function up(db: Kysely<any>): Promise<void> {
  // One statement per query: PGlite's extended protocol takes a single statement.
  for (const statement of SCHEMA.split(/;\s*$/m).map((s) => s.trim()).filter(Boolean)) {
    await sql.raw(statement).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE rate_limit_hits, invitations, password_resets, sessions`.execute(db);
}
