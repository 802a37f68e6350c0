import { sql, type Kysely } from "kysely";

// Frozen once landed. A sign-up no longer creates the account at once: it stores a request and
// emails a confirmation link, and the account exists only once the link is used. The answer to
// the sign-up form is then the same whether or not the address is registered (an address that
// has an account gets an email saying so instead), so the form cannot be used to learn who
// organises on Tomoni. The request keeps the password's argon2 hash, never the password; the
// token is stored as its SHA-256 like every other link.

const SCHEMA = `
CREATE TABLE signup_requests (
  token_hash    text PRIMARY KEY,
  email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  display_name  text NOT NULL DEFAULT '' CHECK (length(display_name) <= 100),
  password_hash text NOT NULL,
  locale        text NOT NULL CHECK (locale IN ('en', 'ja')),
  -- Where to go once confirmed (a same-site path, checked on the way in and on the way out).
  redirect_to   text NOT NULL DEFAULT '/dashboard' CHECK (length(redirect_to) <= 2000),
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  used_at       timestamptz
);
CREATE INDEX signup_requests_email_idx ON signup_requests (lower(email));
CREATE INDEX signup_requests_expires_idx ON signup_requests (expires_at)
`;

export async function up(db: Kysely<any>): Promise<void> {
  // One statement per query: PGlite's extended protocol takes a single statement.
  for (const statement of SCHEMA.split(/;\s*$/m).map((s) => s.trim()).filter(Boolean)) {
    await sql.raw(statement).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE signup_requests`.execute(db);
}
