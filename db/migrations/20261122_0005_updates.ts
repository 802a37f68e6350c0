import { sql, type Kysely } from "kysely";

// Frozen once landed. Dated updates and timelines (issue 6): when each lifecycle step
// happened, so a need's timeline can show its milestones even when an organiser moved the
// need on without writing an update; and who published or edited an update.

const SCHEMA = `
ALTER TABLE needs
  ADD COLUMN purchased_at timestamptz,
  ADD COLUMN delivered_at timestamptz,
  ADD COLUMN closed_at timestamptz;

ALTER TABLE updates
  ADD COLUMN author_id bigint REFERENCES users (id) ON DELETE SET NULL,
  -- The organiser confirmed that nobody is named, shown or located, and that anyone whose
  -- story is told agreed to it: required before publishing.
  ADD COLUMN consent_confirmed boolean NOT NULL DEFAULT false;
CREATE INDEX updates_published_idx ON updates (organisation_id, published_at DESC) WHERE deleted_at IS NULL AND published_at IS NOT NULL
`;

export async function up(db: Kysely<any>): Promise<void> {
  // One statement per query: PGlite's extended protocol takes a single statement.
  for (const statement of SCHEMA.split(/;\s*$/m).map((s) => s.trim()).filter(Boolean)) {
    await sql.raw(statement).execute(db);
  }
  // Needs that already moved on get their step dated by the update that announced it, if any.
  for (const step of ["purchased", "delivered", "closed"] as const) {
    await sql`
      UPDATE needs n SET ${sql.ref(`${step}_at`)} = u.published_at
      FROM updates u
      WHERE u.need_id = n.id AND u.lifecycle_step = ${step} AND u.published_at IS NOT NULL AND u.deleted_at IS NULL
    `.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX updates_published_idx`.execute(db);
  await sql`ALTER TABLE updates DROP COLUMN author_id, DROP COLUMN consent_confirmed`.execute(db);
  await sql`ALTER TABLE needs DROP COLUMN purchased_at, DROP COLUMN delivered_at, DROP COLUMN closed_at`.execute(db);
}
