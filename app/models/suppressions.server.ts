import { sql } from "kysely";
import type { Database } from "~/db.server";
import type { SuppressionReason } from "./schema";

/**
 * Who must not be emailed. Scopes: 'all' (bounces, complaints: nothing more goes out),
 * 'organisation:<id>' and 'need:<id>' (unsubscribes: updates stop, receipts still go).
 * UNIQUE (lower(email), scope) makes every add idempotent.
 */
export type SuppressionScope = "all" | `organisation:${number}` | `need:${number}`;

export async function addSuppression(
  db: Database,
  entry: { email: string; scope: SuppressionScope; reason: SuppressionReason; sourceEventId?: string },
): Promise<boolean> {
  const inserted = await db
    .insertInto("email_suppressions")
    .values({ email: entry.email.trim(), scope: entry.scope, reason: entry.reason, source_event_id: entry.sourceEventId ?? null })
    .onConflict((oc) => oc.expression(sql`lower(email), scope`).doNothing())
    .returning("id")
    .executeTakeFirst();
  return Boolean(inserted);
}

/**
 * Checked at send time, not at enqueue time, so an unsubscribe or bounce that lands while an
 * email waits in the outbox still stops it. Returns why the email must not go, or null.
 * Transactional mail (receipts, password resets) stops only for bounces and complaints.
 */
export async function suppressionFor(
  db: Database,
  email: { recipient: string; transactional: boolean; subscriptionId: number | null },
): Promise<SuppressionReason | null> {
  const address = email.recipient.trim().toLowerCase();
  if (email.transactional) {
    const row = await db
      .selectFrom("email_suppressions")
      .where(sql<boolean>`lower(email) = ${address}`)
      .where("scope", "=", "all")
      .where("reason", "in", ["bounced", "complained"])
      .select("reason")
      .executeTakeFirst();
    return row?.reason ?? null;
  }
  const subscription = email.subscriptionId
    ? await db
        .selectFrom("subscriptions")
        .where("id", "=", email.subscriptionId)
        .select(["organisation_id", "need_id", "status"])
        .executeTakeFirst()
    : undefined;
  if (subscription && subscription.status !== "active") return "unsubscribed";
  const scopes: string[] = ["all"];
  if (subscription) {
    scopes.push(`organisation:${subscription.organisation_id}`);
    if (subscription.need_id !== null) scopes.push(`need:${subscription.need_id}`);
  }
  const row = await db
    .selectFrom("email_suppressions")
    .where(sql<boolean>`lower(email) = ${address}`)
    .where("scope", "in", scopes)
    .select("reason")
    .orderBy(sql`CASE reason WHEN 'bounced' THEN 0 WHEN 'complained' THEN 1 ELSE 2 END`)
    .executeTakeFirst();
  return row?.reason ?? null;
}
