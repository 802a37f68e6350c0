import type { Database } from "~/db.server";

/**
 * Resend (through Svix) delivers each webhook at least once. The svix-id is the event's identity:
 * recording it with ON CONFLICT DO NOTHING in the same transaction as the event's effects makes a
 * redelivery a no-op, and a failure part-way leaves nothing recorded, so the retry does it all.
 * Returns false when the event was seen before.
 */
export async function recordResendEvent(db: Database, event: { svixId: string; type: string }): Promise<boolean> {
  const inserted = await db
    .insertInto("resend_events")
    .values({ svix_id: event.svixId, type: event.type.slice(0, 100) })
    .onConflict((oc) => oc.column("svix_id").doNothing())
    .returning("svix_id")
    .executeTakeFirst();
  return Boolean(inserted);
}
