import { sql } from "kysely";
import type { Database } from "~/db.server";
import { enqueueEmail } from "./outbox.server";
import { PUBLIC_STATUSES } from "./needs.server";
import type { Locale, SubscriptionStatus } from "./schema";
import { newSubscriptionToken } from "./subscriptions.server";

/**
 * Following a need or an organisation by email, without donating: double opt-in. A follow
 * writes a PENDING subscription (source "follow") and queues a confirmation email with a link
 * to /follow/confirm/<token>; only the POST from that page makes the subscription active. The
 * token is the subscription's own (the same credential its unsubscribe links carry).
 */

export type FollowTarget =
  | { kind: "need"; organisationId: number; needId: number; slug: string; title: string; organisationName: string }
  | { kind: "organisation"; organisationId: number; needId: null; slug: string; title: string; organisationName: string };

/** What may be followed: a public need (drafts and cancelled needs do not exist to visitors) or an organisation. */
export async function findFollowTarget(db: Database, where: { need?: string; organisation?: string }): Promise<FollowTarget | undefined> {
  if (where.need) {
    const need = await db
      .selectFrom("needs")
      .innerJoin("organisations as o", "o.id", "needs.organisation_id")
      .where("needs.slug", "=", where.need)
      .where("needs.status", "in", PUBLIC_STATUSES)
      .select(["needs.id", "needs.slug", "needs.title", "o.id as organisation_id", "o.name as organisation_name"])
      .executeTakeFirst();
    return need
      ? { kind: "need", organisationId: need.organisation_id, needId: need.id, slug: need.slug, title: need.title, organisationName: need.organisation_name }
      : undefined;
  }
  if (where.organisation) {
    const org = await db.selectFrom("organisations").where("slug", "=", where.organisation).select(["id", "slug", "name"]).executeTakeFirst();
    return org ? { kind: "organisation", organisationId: org.id, needId: null, slug: org.slug, title: org.name, organisationName: org.name } : undefined;
  }
  return undefined;
}

export interface FollowResult {
  subscriptionId: number;
  /** The subscription's state after the follow: "active" means it already was (nothing was sent). */
  status: SubscriptionStatus;
  /** False for an active subscription, and for a repeat within the same day (one confirmation a day). */
  emailQueued: boolean;
}

/**
 * Follows `target` at `email`, in one transaction with its confirmation email. One upsert on the
 * subscriptions' UNIQUE (lower(email), organisation, need), never check-then-insert:
 * - new address: a pending subscription in the request's locale;
 * - pending: stays pending with the same token (a link already sent keeps working), locale refreshed;
 * - active: left exactly as it is, and no email (the caller answers the same either way, so
 *   the form never reveals who follows what);
 * - unsubscribed: pending again with a NEW token and source "follow": coming back takes a fresh
 *   confirmation, and links from before the unsubscribe stay dead.
 * The confirmation email's key includes the token and the day: a double submit, or someone
 * entering a stranger's address over and over, queues at most one email a day.
 */
export async function followByEmail(
  db: Database,
  input: { email: string; target: FollowTarget; locale: Locale; appUrl: string; now?: Date },
): Promise<FollowResult> {
  const now = input.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("subscriptions")
      .values({
        email: input.email.trim(),
        organisation_id: input.target.organisationId,
        need_id: input.target.needId,
        token: newSubscriptionToken(),
        locale: input.locale,
        source: "follow",
        status: "pending",
      })
      .onConflict((oc) =>
        oc.expression(sql`lower(email), organisation_id, coalesce(need_id, 0)`).doUpdateSet({
          // In DO UPDATE, `subscriptions.<column>` is the existing row and `excluded` the proposed one.
          token: sql`CASE WHEN subscriptions.status = 'unsubscribed' THEN excluded.token ELSE subscriptions.token END`,
          locale: sql`CASE WHEN subscriptions.status = 'active' THEN subscriptions.locale ELSE excluded.locale END`,
          source: sql`CASE WHEN subscriptions.status = 'unsubscribed' THEN 'follow' ELSE subscriptions.source END`,
          unsubscribed_at: sql`CASE WHEN subscriptions.status = 'unsubscribed' THEN NULL ELSE subscriptions.unsubscribed_at END`,
          status: sql`CASE WHEN subscriptions.status = 'unsubscribed' THEN 'pending' ELSE subscriptions.status END`,
        }),
      )
      .returning(["id", "email", "token", "locale", "status"])
      .executeTakeFirstOrThrow();

    let emailQueued = false;
    if (row.status === "pending") {
      emailQueued = await enqueueEmail(trx, {
        kind: "follow-confirm",
        to: row.email,
        locale: row.locale,
        transactional: true,
        idempotencyKey: `follow-confirm:${row.id}:${row.token}:${now.toISOString().slice(0, 10)}`,
        props: {
          organisationName: input.target.organisationName,
          needTitle: input.target.kind === "need" ? input.target.title : null,
          confirmUrl: `${input.appUrl}/follow/confirm/${row.token}`,
        },
      });
    }
    return { subscriptionId: row.id, status: row.status, emailQueued };
  });
}

// Anything else cannot be a subscription token: answer without asking the database.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32,128}$/;

export interface FollowByToken {
  email: string;
  status: SubscriptionStatus;
  kind: "need" | "organisation";
  /** The need's title, or the organisation's name. */
  title: string;
  /** Where the visitor goes back to: the public need page when it is public, else the organisation. */
  path: string;
}

/** The subscription behind a confirmation link, or null for an unknown or malformed token. */
export async function findFollowByToken(db: Database, token: string): Promise<FollowByToken | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const row = await db
    .selectFrom("subscriptions as s")
    .innerJoin("organisations as o", "o.id", "s.organisation_id")
    .leftJoin("needs as n", "n.id", "s.need_id")
    .where("s.token", "=", token)
    .select(["s.email", "s.status", "s.need_id", "o.name as organisation_name", "o.slug as organisation_slug", "n.title as need_title", "n.slug as need_slug", "n.status as need_status"])
    .executeTakeFirst();
  if (!row) return null;
  if (row.need_id !== null && row.need_title !== null && row.need_slug !== null) {
    const isPublic = row.need_status !== null && PUBLIC_STATUSES.includes(row.need_status);
    return {
      email: row.email,
      status: row.status,
      kind: "need",
      title: row.need_title,
      path: isPublic ? `/needs/${row.need_slug}` : `/orgs/${row.organisation_slug}`,
    };
  }
  return { email: row.email, status: row.status, kind: "organisation", title: row.organisation_name, path: `/orgs/${row.organisation_slug}` };
}

/**
 * Confirms a follow: pending → active in one conditional UPDATE, so two presses (or two tabs)
 * confirm once and both see success. An unsubscribed subscription is not revived by an old
 * link: null, like an unknown token. Returns "confirmed" the first time, "already_active" after.
 */
export async function confirmFollow(db: Database, token: string): Promise<"confirmed" | "already_active" | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  return db.transaction().execute(async (trx) => {
    const confirmed = await trx
      .updateTable("subscriptions")
      .set({ status: "active", confirmed_at: sql`now()`, unsubscribed_at: null })
      .where("token", "=", token)
      .where("status", "=", "pending")
      .returning(["email", "organisation_id", "need_id"])
      .executeTakeFirst();
    if (confirmed) {
      // Fresh consent lifts the unsubscribes that would otherwise stop this subscription's mail at
      // send time (suppressionFor checks the need's and the organisation's scope). The address's
      // other subscriptions keep their own "unsubscribed" status, so nothing else restarts; bounces
      // and complaints (scope "all") are never lifted here.
      const scopes = [`organisation:${confirmed.organisation_id}`];
      if (confirmed.need_id !== null) scopes.push(`need:${confirmed.need_id}`);
      await trx
        .deleteFrom("email_suppressions")
        .where(sql<boolean>`lower(email) = ${confirmed.email.trim().toLowerCase()}`)
        .where("reason", "=", "unsubscribed")
        .where("scope", "in", scopes)
        .execute();
      return "confirmed";
    }
    const current = await trx.selectFrom("subscriptions").where("token", "=", token).select("status").executeTakeFirst();
    return current?.status === "active" ? "already_active" : null;
  });
}
