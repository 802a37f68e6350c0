import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import type { Database } from "~/db.server";
import type { Locale, SubscriptionStatus } from "./schema";
import { addSuppression, type SuppressionScope } from "./suppressions.server";

/**
 * Who asked for updates, about what: one address and one scope (a need, or a whole
 * organisation when need is null). The token in every unsubscribe link is the only credential
 * an unsubscribe needs, so it is random and unguessable, never derived from the address or id.
 */
export interface Subscription {
  id: number;
  email: string;
  organisationId: number;
  needId: number | null;
  token: string;
  locale: Locale;
  status: SubscriptionStatus;
  source: "donation" | "follow";
}

/** 32 random bytes, base64url: 43 URL-safe characters. */
export function newSubscriptionToken(): string {
  return randomBytes(32).toString("base64url");
}

// Anything else cannot be one of ours: answer it without asking the database.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32,128}$/;

const columns = ["id", "email", "organisation_id", "need_id", "token", "locale", "status", "source"] as const;

function toSubscription(row: {
  id: number;
  email: string;
  organisation_id: number;
  need_id: number | null;
  token: string;
  locale: Locale;
  status: SubscriptionStatus;
  source: "donation" | "follow";
}): Subscription {
  return {
    id: row.id,
    email: row.email,
    organisationId: row.organisation_id,
    needId: row.need_id,
    token: row.token,
    locale: row.locale,
    status: row.status,
    source: row.source,
  };
}

/**
 * Creates the subscription, or returns the one that already covers this address and scope
 * (unique on lower(email), organisation, need), with its token unchanged so links already
 * sent keep working. Only the locale is refreshed. NOTE: an unsubscribed subscription stays
 * unsubscribed: subscribing again needs fresh consent and must lift the suppression too,
 * which is a deliberate step for the flow that asks for it, not a side effect of this upsert.
 */
export async function createSubscription(
  db: Database,
  input: {
    email: string;
    organisationId: number;
    needId?: number | null;
    locale?: Locale;
    source?: "donation" | "follow";
    /** Followers start pending until they confirm (double opt-in); donors who opted in are active. */
    status?: "pending" | "active";
  },
): Promise<Subscription> {
  const row = await db
    .insertInto("subscriptions")
    .values({
      email: input.email.trim(),
      organisation_id: input.organisationId,
      need_id: input.needId ?? null,
      token: newSubscriptionToken(),
      locale: input.locale ?? "en",
      source: input.source ?? "donation",
      status: input.status ?? "active",
      confirmed_at: (input.status ?? "active") === "active" ? sql`now()` : null,
    })
    .onConflict((oc) =>
      oc.expression(sql`lower(email), organisation_id, coalesce(need_id, 0)`).doUpdateSet((eb) => ({ locale: eb.ref("excluded.locale") })),
    )
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toSubscription(row);
}

export interface SubscriptionDetails extends Subscription {
  organisationName: string;
  needTitle: string | null;
  /** What this address has already unsubscribed from, as far as this subscription is concerned. */
  unsubscribedFrom: "need" | "organisation" | null;
}

/** The subscription behind an unsubscribe link, or null for an unknown or malformed token. */
export async function findByToken(db: Database, token: string): Promise<SubscriptionDetails | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const row = await db
    .selectFrom("subscriptions as s")
    .innerJoin("organisations as o", "o.id", "s.organisation_id")
    .leftJoin("needs as n", "n.id", "s.need_id")
    .where("s.token", "=", token)
    .select([
      "s.id",
      "s.email",
      "s.organisation_id",
      "s.need_id",
      "s.token",
      "s.locale",
      "s.status",
      "s.source",
      "o.name as organisation_name",
      "n.title as need_title",
      (eb) =>
        eb
          .exists(
            eb
              .selectFrom("email_suppressions as e")
              .where(sql<boolean>`lower(e.email) = lower(s.email)`)
              .where(sql<boolean>`e.scope = ('organisation:' || s.organisation_id::text)`),
          )
          .as("organisation_suppressed"),
    ])
    .executeTakeFirst();
  if (!row) return null;
  const unsubscribedFrom = row.organisation_suppressed
    ? "organisation"
    : row.status === "unsubscribed"
      ? row.need_id === null
        ? "organisation"
        : "need"
      : null;
  return { ...toSubscription(row), organisationName: row.organisation_name, needTitle: row.need_title, unsubscribedFrom };
}

export interface UnsubscribeResult {
  subscriptionId: number;
  /** What was unsubscribed from: the subscription's need, or its whole organisation. */
  scope: "need" | "organisation";
  /** False when this was a repeat (the suppression already existed). */
  suppressionAdded: boolean;
}

/**
 * Unsubscribes the token's address, idempotently: the subscription becomes 'unsubscribed' and a
 * suppression for the chosen scope is recorded, in one transaction. `choice` defaults to the
 * subscription's own scope (what a one-click unsubscribe means); "organisation" also stops every
 * other subscription of the address to that organisation. Null for an unknown token: nothing changes.
 */
export async function unsubscribe(
  db: Database,
  token: string,
  choice?: "need" | "organisation",
): Promise<UnsubscribeResult | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  return db.transaction().execute(async (trx) => {
    // Locked, so two one-click requests for the same link (mail clients retry) queue up.
    const subscription = await trx.selectFrom("subscriptions").where("token", "=", token).select(columns).forUpdate().executeTakeFirst();
    if (!subscription) return null;
    const needId = choice === "organisation" ? null : subscription.need_id;
    const scope = needId === null ? "organisation" : "need";
    const suppression: SuppressionScope = needId === null ? `organisation:${subscription.organisation_id}` : `need:${needId}`;

    let update = trx
      .updateTable("subscriptions")
      .set({ status: "unsubscribed", unsubscribed_at: sql`coalesce(unsubscribed_at, now())` })
      .where("status", "!=", "unsubscribed");
    update =
      scope === "need"
        ? update.where("id", "=", subscription.id)
        : update
            .where(sql<boolean>`lower(email) = ${subscription.email.toLowerCase()}`)
            .where("organisation_id", "=", subscription.organisation_id);
    await update.execute();

    const suppressionAdded = await addSuppression(trx, { email: subscription.email, scope: suppression, reason: "unsubscribed" });
    return { subscriptionId: subscription.id, scope, suppressionAdded };
  });
}
