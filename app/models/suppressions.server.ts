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

export interface SuppressionCheck {
  recipient: string;
  transactional: boolean;
  subscriptionId: number | null;
}

/**
 * Checked at send time, not at enqueue time, so an unsubscribe or bounce that lands while an
 * email waits in the outbox still stops it. Returns why the email must not go, or null.
 * Transactional mail (receipts, password resets) stops only for bounces and complaints.
 */
export async function suppressionFor(db: Database, email: SuppressionCheck): Promise<SuppressionReason | null> {
  return (await suppressionsFor(db, [email]))[0] ?? null;
}

/**
 * suppressionFor for many emails (a unit the worker is about to send) in one query, in the
 * order given. The same rules, row by row:
 * - transactional: only a bounce or complaint on scope 'all';
 * - otherwise: 'unsubscribed' if its subscription is no longer active; else any suppression of
 *   the address on 'all' or on the subscription's organisation or need, a bounce first, then a
 *   complaint, then an unsubscribe.
 */
export async function suppressionsFor(db: Database, emails: SuppressionCheck[]): Promise<Array<SuppressionReason | null>> {
  if (emails.length === 0) return [];
  const values = emails.map(
    (e, i) => sql`(${i}::int, ${e.recipient.trim().toLowerCase()}::text, ${e.transactional}::boolean, ${e.subscriptionId}::bigint)`,
  );
  const result = await sql<{ i: number; subscription_status: string | null; reason: SuppressionReason | null }>`
    SELECT e.i, s.status AS subscription_status,
      (SELECT x.reason FROM email_suppressions x
        WHERE lower(x.email) = e.address
          AND CASE WHEN e.transactional THEN x.scope = 'all' AND x.reason IN ('bounced', 'complained')
                   ELSE x.scope = 'all' OR x.scope = 'organisation:' || s.organisation_id OR x.scope = 'need:' || s.need_id END
        ORDER BY CASE x.reason WHEN 'bounced' THEN 0 WHEN 'complained' THEN 1 ELSE 2 END
        LIMIT 1) AS reason
    FROM (VALUES ${sql.join(values)}) AS e (i, address, transactional, subscription_id)
    -- Transactional mail ignores the subscription, as suppressionFor always has.
    LEFT JOIN subscriptions s ON s.id = e.subscription_id AND NOT e.transactional`.execute(db);
  const out: Array<SuppressionReason | null> = emails.map(() => null);
  for (const row of result.rows) {
    out[row.i] = row.subscription_status !== null && row.subscription_status !== "active" ? "unsubscribed" : row.reason;
  }
  return out;
}
