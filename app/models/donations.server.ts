import { sql, type Kysely } from "kysely";
import type { Database } from "~/db.server";
import type { DB, DonationStatus, Locale, NeedStatus } from "./schema";

/**
 * The donor's side of a donation: the pending row the donate form writes, the Checkout
 * Session attached to it, and what the thank-you and demo checkout pages read. Everything
 * that changes a donation's status (paid, failed, refunded…) belongs to the webhook ledger
 * (payment-ledger.server.ts); nothing here ever marks a donation paid.
 */

/** A need as the donate form and its action see it: enough to decide whether it takes gifts. */
export interface DonationTarget {
  needId: number;
  slug: string;
  title: string;
  currency: string;
  status: NeedStatus;
  organisation: {
    id: number;
    name: string;
    stripeAccountId: string | null;
    chargesEnabled: boolean;
    /** null: the platform's default (PLATFORM_FEE_BPS); 0: no fee. */
    platformFeeBps: number | null;
  };
  /** Items a gift may target: those that still count toward the goal (not substituted). */
  itemIds: number[];
}

/** Only a live need of an organisation that Stripe lets take charges accepts donations. */
export function acceptsDonations(target: { status: NeedStatus; organisation: Pick<DonationTarget["organisation"], "chargesEnabled" | "stripeAccountId"> }): boolean {
  return target.status === "live" && target.organisation.chargesEnabled && Boolean(target.organisation.stripeAccountId);
}

export async function getDonationTarget(db: Database, needId: number): Promise<DonationTarget | undefined> {
  const row = await db
    .selectFrom("needs")
    .innerJoin("organisations as o", "o.id", "needs.organisation_id")
    .where("needs.id", "=", needId)
    .select([
      "needs.id",
      "needs.slug",
      "needs.title",
      "needs.currency",
      "needs.status",
      "o.id as organisation_id",
      "o.name as organisation_name",
      "o.stripe_account_id",
      "o.charges_enabled",
      "o.platform_fee_bps",
    ])
    .executeTakeFirst();
  if (!row) return undefined;
  const items = await db
    .selectFrom("items")
    .where("need_id", "=", needId)
    .where("substituted_by_item_id", "is", null)
    .select("id")
    .orderBy("position")
    .execute();
  return {
    needId: row.id,
    slug: row.slug,
    title: row.title,
    currency: row.currency,
    status: row.status,
    organisation: {
      id: row.organisation_id,
      name: row.organisation_name,
      stripeAccountId: row.stripe_account_id,
      chargesEnabled: row.charges_enabled,
      platformFeeBps: row.platform_fee_bps,
    },
    itemIds: items.map((item) => item.id),
  };
}

export interface NewDonation {
  needId: number;
  itemId: number | null;
  amount: number;
  feeCover: number;
  applicationFee: number;
  donorName: string;
  showName: boolean;
  message: string;
  email: string;
  updatesOptIn: boolean;
  locale: Locale;
  /**
   * The form's one-time token, combined with a digest of what was submitted (see
   * submissionKey): the same form sent twice finds the same row.
   */
  submissionKey: string;
}

/** A donation with what Checkout, the thank-you page and the demo checkout need to show. */
export interface DonationRecord {
  id: number;
  needId: number;
  needSlug: string;
  needTitle: string;
  itemName: string | null;
  organisationName: string;
  amount: number;
  feeCover: number;
  applicationFee: number;
  currency: string;
  donorName: string;
  donorEmail: string;
  showName: boolean;
  message: string;
  locale: Locale;
  status: DonationStatus;
  stripeAccountId: string | null;
  checkoutSessionId: string | null;
  checkoutUrl: string | null;
  checkoutExpiresAt: Date | null;
  paymentIntentId: string | null;
  createdAt: Date;
}

export type CreateDonationResult =
  | { ok: true; donation: DonationRecord; created: boolean }
  | { ok: false; reason: "not_accepting" | "invalid_item" };

/**
 * Writes a pending donation, once per submission: INSERT … ON CONFLICT (submission_token)
 * returns the existing row to a double submit, a browser retry or a concurrent twin (the
 * second INSERT waits for the first to commit, then takes the conflict branch). No
 * check-then-insert anywhere.
 *
 * The need's row is locked FOR SHARE for the few statements of the transaction: item
 * changes lock it FOR UPDATE and refuse once a donation exists (needs.server.ts), so "no
 * donations yet" cannot turn false between their check and their write; and a need that was
 * cancelled or an account that lost charges a moment ago takes no new gift.
 */
export async function createPendingDonation(db: Database, input: NewDonation): Promise<CreateDonationResult> {
  return db.transaction().execute(async (trx) => {
    const need = await trx
      .selectFrom("needs")
      .innerJoin("organisations as o", "o.id", "needs.organisation_id")
      .where("needs.id", "=", input.needId)
      .select(["needs.status", "needs.currency", "o.stripe_account_id", "o.charges_enabled"])
      .forShare("needs")
      .executeTakeFirst();
    if (!need || !acceptsDonations({ status: need.status, organisation: { chargesEnabled: need.charges_enabled, stripeAccountId: need.stripe_account_id } })) {
      return { ok: false, reason: "not_accepting" } as const;
    }
    if (input.itemId !== null) {
      const item = await trx
        .selectFrom("items")
        .where("id", "=", input.itemId)
        .where("need_id", "=", input.needId)
        .where("substituted_by_item_id", "is", null)
        .select("id")
        .executeTakeFirst();
      if (!item) return { ok: false, reason: "invalid_item" } as const;
    }
    const row = await trx
      .insertInto("donations")
      .values({
        need_id: input.needId,
        item_id: input.itemId,
        amount: input.amount,
        fee_cover: input.feeCover,
        application_fee: input.applicationFee,
        currency: need.currency,
        donor_name: input.donorName,
        donor_email: input.email,
        show_name: input.showName,
        message: input.message,
        updates_opt_in: input.updatesOptIn,
        locale: input.locale,
        status: "pending",
        // The account at the moment of giving: the charge is made on it, whatever happens later.
        stripe_account_id: need.stripe_account_id,
        submission_token: input.submissionKey,
      })
      // A no-op update, so RETURNING yields the existing row too; xmax = 0 only on a fresh insert.
      .onConflict((oc) => oc.column("submission_token").doUpdateSet({ submission_token: (eb) => eb.ref("excluded.submission_token") }))
      .returning(["id", sql<boolean>`(xmax = 0)`.as("inserted")])
      .executeTakeFirstOrThrow();
    const donation = await loadDonation(trx, { id: row.id });
    return { ok: true, donation: donation!, created: row.inserted };
  });
}

function donationQuery(db: Kysely<DB>) {
  return db
    .selectFrom("donations as d")
    .innerJoin("needs as n", "n.id", "d.need_id")
    .innerJoin("organisations as o", "o.id", "n.organisation_id")
    .leftJoin("items as i", "i.id", "d.item_id")
    .select([
      "d.id",
      "d.need_id",
      "n.slug as need_slug",
      "n.title as need_title",
      "i.name as item_name",
      "o.name as organisation_name",
      "d.amount",
      "d.fee_cover",
      "d.application_fee",
      "d.currency",
      "d.donor_name",
      "d.donor_email",
      "d.show_name",
      "d.message",
      "d.locale",
      "d.status",
      "d.stripe_account_id",
      "d.stripe_checkout_session_id",
      "d.checkout_url",
      "d.checkout_expires_at",
      "d.stripe_payment_intent_id",
      "d.created_at",
    ]);
}

async function loadDonation(db: Kysely<DB>, where: { id: number } | { checkoutSessionId: string }): Promise<DonationRecord | undefined> {
  const query = donationQuery(db);
  const row = await ("id" in where ? query.where("d.id", "=", where.id) : query.where("d.stripe_checkout_session_id", "=", where.checkoutSessionId)).executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    needId: row.need_id,
    needSlug: row.need_slug,
    needTitle: row.need_title,
    itemName: row.item_name,
    organisationName: row.organisation_name,
    amount: row.amount,
    feeCover: row.fee_cover,
    applicationFee: row.application_fee,
    currency: row.currency,
    donorName: row.donor_name,
    donorEmail: row.donor_email,
    showName: row.show_name,
    message: row.message,
    locale: row.locale as Locale,
    status: row.status,
    stripeAccountId: row.stripe_account_id,
    checkoutSessionId: row.stripe_checkout_session_id,
    checkoutUrl: row.checkout_url,
    checkoutExpiresAt: row.checkout_expires_at,
    paymentIntentId: row.stripe_payment_intent_id,
    createdAt: row.created_at,
  };
}

export async function getDonation(db: Database, id: number): Promise<DonationRecord | undefined> {
  return loadDonation(db, { id });
}

/** The donation a Checkout Session was made for (thank-you page, demo checkout); undefined if none. */
export async function findDonationByCheckoutSession(db: Database, sessionId: string): Promise<DonationRecord | undefined> {
  // Session ids are short ASCII; anything else cannot match and need not reach the database.
  if (!/^cs_[A-Za-z0-9_]{1,250}$/.test(sessionId)) return undefined;
  return loadDonation(db, { checkoutSessionId: sessionId });
}

export interface CheckoutSessionRef {
  id: string;
  url: string;
  expiresAt: Date;
}

/**
 * Stores the Checkout Session made for a donation, only while it has none: of two racing
 * requests for the same donation, the first writer wins and both get back the session that
 * is now stored, so a donor is only ever sent to one.
 */
export async function attachCheckoutSession(db: Database, donationId: number, session: CheckoutSessionRef): Promise<CheckoutSessionRef> {
  const attached = await db
    .updateTable("donations")
    .set({
      stripe_checkout_session_id: session.id,
      checkout_url: session.url,
      checkout_expires_at: session.expiresAt,
      updated_at: sql`now()`,
    })
    .where("id", "=", donationId)
    .where("stripe_checkout_session_id", "is", null)
    .returning(["stripe_checkout_session_id", "checkout_url", "checkout_expires_at"])
    .executeTakeFirst();
  const row =
    attached ??
    (await db
      .selectFrom("donations")
      .where("id", "=", donationId)
      .select(["stripe_checkout_session_id", "checkout_url", "checkout_expires_at"])
      .executeTakeFirst());
  if (!row?.stripe_checkout_session_id || !row.checkout_url || !row.checkout_expires_at) {
    throw new Error(`Donation ${donationId} has no Checkout Session after attaching one`);
  }
  return { id: row.stripe_checkout_session_id, url: row.checkout_url, expiresAt: row.checkout_expires_at };
}
