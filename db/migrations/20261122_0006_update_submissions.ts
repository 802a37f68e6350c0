import { sql, type Kysely } from "kysely";

// Frozen once landed. A double click (or a re-sent POST) on the new-update form must not make
// two drafts: each submission carries a key (the form's one-time token and a digest of what
// was typed), and the database holds one draft per key and organisation. NULL for drafts from
// before this migration and for posts without a token; NULLs never conflict.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE updates ADD COLUMN submission_key text`.execute(db);
  await sql`CREATE UNIQUE INDEX updates_submission_key_idx ON updates (organisation_id, submission_key)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX updates_submission_key_idx`.execute(db);
  await sql`ALTER TABLE updates DROP COLUMN submission_key`.execute(db);
}
