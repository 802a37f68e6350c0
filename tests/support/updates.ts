import type { Database } from "~/db.server";
import type { LifecycleStep } from "~/models/schema";

export interface TestUpdate {
  organisationId: number;
  /** null: an organisation-wide update. */
  needId: number | null;
  title: string;
  body?: string;
  eventDate?: string;
  /** Published now unless given; null makes a draft. */
  publishedAt?: Date | null;
  editedAt?: Date | null;
  deletedAt?: Date | null;
  lifecycleStep?: LifecycleStep | null;
  spendNote?: string;
}

/**
 * An update row as the updates work writes one, straight into the table: the timeline and feed
 * tests need exact dates and states (drafts, edits, deletions) without going through the forms.
 */
export async function insertTestUpdate(db: Database, update: TestUpdate): Promise<number> {
  const row = await db
    .insertInto("updates")
    .values({
      organisation_id: update.organisationId,
      need_id: update.needId,
      title: update.title,
      body: update.body ?? "Body text.",
      event_date: update.eventDate ?? "2026-03-01",
      published_at: update.publishedAt === undefined ? new Date() : update.publishedAt,
      edited_at: update.editedAt ?? null,
      deleted_at: update.deletedAt ?? null,
      lifecycle_step: update.lifecycleStep ?? null,
      spend_note: update.spendNote ?? "",
      consent_confirmed: true,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}
