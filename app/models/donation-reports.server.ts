import { sql } from "kysely";
import type { Database } from "~/db.server";
import { disputeHoldsMoney } from "~/disputes";
import { isCurrency, toDecimalString } from "~/money";
import { COUNTED, goalOfNeed, raisedOf } from "./needs.server";
import type { DonationStatus } from "./schema";

/**
 * What organisers see of the money: donations per need, totals, the CSV export and what a
 * refund needs. Read-only: every amount here is written by the webhook ledger, so these
 * pages show Stripe's facts, never a guess of ours.
 */

export interface DonationReportRow {
  id: number;
  needId: number;
  needSlug: string;
  needTitle: string;
  itemId: number | null;
  itemName: string | null;
  currency: string;
  status: DonationStatus;
  amount: number;
  feeCover: number;
  refundedAmount: number;
  disputedAmount: number;
  disputeStatus: string | null;
  /** What this donation counts toward the goal now (COUNTED in needs.server.ts). */
  counted: number;
  donorName: string;
  donorEmail: string;
  showName: boolean;
  message: string;
  updatesOptIn: boolean;
  locale: string;
  createdAt: Date;
  succeededAt: Date | null;
  stripeCheckoutSessionId: string | null;
  stripePaymentIntentId: string | null;
  stripeChargeId: string | null;
  stripeAccountId: string | null;
}

export interface DonationFilter {
  /** Only this need's donations (by slug, within the organisation). */
  needSlug?: string;
  /** Newest this many; all when absent (the CSV). */
  limit?: number;
}

/** Donations of one organisation's needs, joined to need and item; callers add conditions. */
function donationQuery(db: Database, organisationId: number) {
  return db
    .selectFrom("donations as d")
    .innerJoin("needs as n", "n.id", "d.need_id")
    .leftJoin("items as i", "i.id", "d.item_id")
    .where("n.organisation_id", "=", organisationId)
    .select([
      "d.id",
      "d.need_id as needId",
      "n.slug as needSlug",
      "n.title as needTitle",
      "d.item_id as itemId",
      "i.name as itemName",
      "d.currency",
      "d.status",
      "d.amount",
      "d.fee_cover as feeCover",
      "d.refunded_amount as refundedAmount",
      "d.disputed_amount as disputedAmount",
      "d.dispute_status as disputeStatus",
      sql<number>`${COUNTED}::bigint`.as("counted"),
      "d.donor_name as donorName",
      "d.donor_email as donorEmail",
      "d.show_name as showName",
      "d.message",
      "d.updates_opt_in as updatesOptIn",
      "d.locale",
      "d.created_at as createdAt",
      "d.succeeded_at as succeededAt",
      "d.stripe_checkout_session_id as stripeCheckoutSessionId",
      "d.stripe_payment_intent_id as stripePaymentIntentId",
      "d.stripe_charge_id as stripeChargeId",
      "d.stripe_account_id as stripeAccountId",
    ]);
}

/** An organisation's donations, newest first, optionally for one need. */
export async function listOrganisationDonations(db: Database, organisationId: number, filter: DonationFilter = {}): Promise<DonationReportRow[]> {
  let query = donationQuery(db, organisationId);
  if (filter.needSlug) query = query.where("n.slug", "=", filter.needSlug);
  let ordered = query.orderBy("d.created_at", "desc").orderBy("d.id", "desc");
  if (filter.limit !== undefined) ordered = ordered.limit(filter.limit);
  const rows = await ordered.execute();
  return rows.map((row) => ({ ...row, counted: Number(row.counted) }));
}

/** One donation, only if it belongs to one of the organisation's needs. */
export async function getOrganisationDonation(db: Database, organisationId: number, donationId: number): Promise<DonationReportRow | undefined> {
  const row = await donationQuery(db, organisationId).where("d.id", "=", donationId).executeTakeFirst();
  return row ? { ...row, counted: Number(row.counted) } : undefined;
}

export interface NeedDonationTotals {
  needId: number;
  slug: string;
  title: string;
  currency: string;
  goal: number;
  /** Counted toward the goal: the same figure the public page shows. */
  raised: number;
  /** Fee cover received on succeeded donations (not counted toward the goal). */
  feeCover: number;
  refunded: number;
  disputed: number;
  counts: Record<DonationStatus, number>;
}

/**
 * Per need of the organisation (drafts only once they have donations, which they cannot
 * before publishing): raised per needs.server.ts, fee cover, refunds and counts by status.
 */
export async function donationTotalsByNeed(db: Database, organisationId: number, filter: { needSlug?: string } = {}): Promise<NeedDonationTotals[]> {
  let query = db
    .selectFrom("needs")
    .leftJoin("donations as d", "d.need_id", "needs.id")
    .where("needs.organisation_id", "=", organisationId)
    .where((eb) => eb.or([eb("needs.status", "!=", "draft"), eb("d.id", "is not", null)]))
    .groupBy("needs.id")
    .select((eb) => [
      "needs.id",
      "needs.slug",
      "needs.title",
      "needs.currency",
      "needs.created_at",
      goalOfNeed(eb).as("goal"),
      raisedOf(eb).as("raised"),
      sql<number>`coalesce(sum(d.fee_cover) FILTER (WHERE d.status = 'succeeded'), 0)::bigint`.as("fee_cover"),
      sql<number>`coalesce(sum(d.refunded_amount), 0)::bigint`.as("refunded"),
      sql<number>`coalesce(sum(d.disputed_amount) FILTER (WHERE d.dispute_status IS NOT NULL AND d.dispute_status <> 'won'), 0)::bigint`.as("disputed"),
      sql<number>`count(d.id) FILTER (WHERE d.status = 'pending')`.as("pending"),
      sql<number>`count(d.id) FILTER (WHERE d.status = 'succeeded')`.as("succeeded"),
      sql<number>`count(d.id) FILTER (WHERE d.status = 'failed')`.as("failed"),
      sql<number>`count(d.id) FILTER (WHERE d.status = 'expired')`.as("expired"),
    ]);
  if (filter.needSlug) query = query.where("needs.slug", "=", filter.needSlug);
  const rows = await query.orderBy("needs.created_at", "desc").orderBy("needs.id", "desc").execute();
  return rows.map((row) => ({
    needId: row.id,
    slug: row.slug,
    title: row.title,
    currency: row.currency,
    goal: Number(row.goal ?? 0),
    raised: Number(row.raised ?? 0),
    feeCover: Number(row.fee_cover),
    refunded: Number(row.refunded),
    disputed: Number(row.disputed),
    counts: { pending: Number(row.pending), succeeded: Number(row.succeeded), failed: Number(row.failed), expired: Number(row.expired) },
  }));
}

/** The organisation's needs for the filter, newest first. */
export async function listNeedChoices(db: Database, organisationId: number): Promise<{ slug: string; title: string }[]> {
  return db
    .selectFrom("needs")
    .where("organisation_id", "=", organisationId)
    .where("status", "!=", "draft")
    .select(["slug", "title"])
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .execute();
}

export interface RefundView {
  id: string;
  amount: number;
  currency: string;
  status: string;
  updatedAt: Date;
}

/** Refunds of one payment as the webhook recorded them, oldest first. */
export async function listPaymentRefunds(db: Database, paymentIntentId: string): Promise<RefundView[]> {
  return db
    .selectFrom("payment_refunds")
    .where("payment_intent_id", "=", paymentIntentId)
    .select(["stripe_refund_id as id", "amount", "currency", "status", "updated_at as updatedAt"])
    .orderBy("created_at")
    .orderBy("stripe_refund_id")
    .execute();
}

/** Whether the webhook has recorded this refund id (demo refunds use it to stay single). */
export async function refundRecorded(db: Database, refundId: string): Promise<boolean> {
  const row = await db.selectFrom("payment_refunds").where("stripe_refund_id", "=", refundId).select("stripe_refund_id").executeTakeFirst();
  return Boolean(row);
}

export interface RefundTarget {
  donationId: number;
  organisationId: number;
  needId: number;
  status: DonationStatus;
  currency: string;
  amount: number;
  feeCover: number;
  refundedAmount: number;
  /** The charge's dispute, if any (Stripe's dispute status). */
  disputeStatus: string | null;
  /** amount + fee cover − refunded, for a succeeded, undisputed donation; 0 otherwise. */
  refundable: number;
  paymentIntentId: string | null;
  chargeId: string | null;
  accountId: string | null;
  donorEmail: string;
}

/** What a refund needs; scoped to the organisation when one is given. */
export async function getRefundTarget(db: Database, donationId: number, organisationId?: number): Promise<RefundTarget | undefined> {
  let query = db
    .selectFrom("donations as d")
    .innerJoin("needs as n", "n.id", "d.need_id")
    .where("d.id", "=", donationId)
    .select([
      "d.id",
      "n.organisation_id",
      "d.need_id",
      "d.status",
      "d.currency",
      "d.amount",
      "d.fee_cover",
      "d.refunded_amount",
      "d.dispute_status",
      "d.stripe_payment_intent_id",
      "d.stripe_charge_id",
      "d.stripe_account_id",
      "d.donor_email",
    ]);
  if (organisationId !== undefined) query = query.where("n.organisation_id", "=", organisationId);
  const row = await query.executeTakeFirst();
  if (!row) return undefined;
  return {
    donationId: row.id,
    organisationId: row.organisation_id,
    needId: row.need_id,
    status: row.status,
    currency: row.currency,
    amount: row.amount,
    feeCover: row.fee_cover,
    refundedAmount: row.refunded_amount,
    disputeStatus: row.dispute_status,
    refundable: refundableOf(row.status, row.amount, row.fee_cover, row.refunded_amount, row.dispute_status),
    paymentIntentId: row.stripe_payment_intent_id,
    chargeId: row.stripe_charge_id,
    accountId: row.stripe_account_id,
    donorEmail: row.donor_email,
  };
}

/**
 * What can still go back to the donor: the whole charge (fee cover included) less refunds.
 * Nothing while a dispute is open or after it is lost: Stripe refuses to refund a disputed
 * charge (the money goes back through the dispute), and a refund on top would pay twice.
 */
export function refundableOf(status: DonationStatus, amount: number, feeCover: number, refunded: number, disputeStatus: string | null = null): number {
  if (status !== "succeeded" || disputeHoldsMoney(disputeStatus)) return 0;
  return Math.max(amount + feeCover - refunded, 0);
}

/** Organisations with a connected Stripe account, for the reconciler. */
export async function listConnectedAccounts(db: Database): Promise<{ organisationId: number; slug: string; accountId: string }[]> {
  const rows = await db
    .selectFrom("organisations")
    .where("stripe_account_id", "is not", null)
    .select(["id", "slug", "stripe_account_id"])
    .orderBy("id")
    .execute();
  return rows.map((row) => ({ organisationId: row.id, slug: row.slug, accountId: row.stripe_account_id! }));
}

/** Of these Checkout Session ids, the ones whose donation is still pending. */
export async function pendingSessionIds(db: Database, sessionIds: readonly string[]): Promise<Set<string>> {
  if (sessionIds.length === 0) return new Set();
  const rows = await db
    .selectFrom("donations")
    .where("stripe_checkout_session_id", "in", [...sessionIds])
    .where("status", "=", "pending")
    .select("stripe_checkout_session_id")
    .execute();
  return new Set(rows.map((row) => row.stripe_checkout_session_id!));
}

// ---------------------------------------------------------------------------------------
// CSV export. Pure: rows in, text out.

/** Column keys in file order; each has a localised header ("donationsAdmin.csv.col.<key>"). */
export const CSV_COLUMNS = [
  "id",
  "created",
  "succeeded",
  "need",
  "needTitle",
  "item",
  "status",
  "currency",
  "amount",
  "feeCover",
  "refunded",
  "disputed",
  "disputeStatus",
  "counted",
  "donorName",
  "donorEmail",
  "display",
  "message",
  "updates",
  "checkoutSession",
  "paymentIntent",
  "charge",
  "account",
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

/** Exact decimal for the currency ("1250" USD → "12.50"); never a float. */
function decimal(minor: number, currency: string): string {
  return isCurrency(currency) ? toDecimalString(minor, currency) : String(minor);
}

/** One donation as CSV cells, in CSV_COLUMNS order (dates in UTC, ISO 8601). */
export function donationCsvRecord(row: DonationReportRow): string[] {
  const cells: Record<CsvColumn, string> = {
    id: String(row.id),
    created: row.createdAt.toISOString(),
    succeeded: row.succeededAt ? row.succeededAt.toISOString() : "",
    need: row.needSlug,
    needTitle: row.needTitle,
    item: row.itemName ?? "",
    status: row.status,
    currency: row.currency,
    amount: decimal(row.amount, row.currency),
    feeCover: decimal(row.feeCover, row.currency),
    refunded: decimal(row.refundedAmount, row.currency),
    disputed: decimal(row.disputedAmount, row.currency),
    disputeStatus: row.disputeStatus ?? "",
    counted: decimal(row.counted, row.currency),
    donorName: row.donorName,
    donorEmail: row.donorEmail,
    display: row.showName ? "public" : "anonymous",
    message: row.message,
    updates: row.updatesOptIn ? "yes" : "no",
    checkoutSession: row.stripeCheckoutSessionId ?? "",
    paymentIntent: row.stripePaymentIntentId ?? "",
    charge: row.stripeChargeId ?? "",
    account: row.stripeAccountId ?? "",
  };
  return CSV_COLUMNS.map((column) => cells[column]);
}

/**
 * One CSV field. Text a spreadsheet would run as a formula (= + - @, or a leading tab or
 * carriage return that some parsers strip first) gets a leading apostrophe, so a donor's
 * "=HYPERLINK(…)" stays text. Then RFC 4180 quoting: fields with a quote, comma or line
 * break are quoted, inner quotes doubled.
 * NOTE: https://owasp.org/www-community/attacks/CSV_Injection
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * The file: a UTF-8 byte order mark (without it Excel in Japan reads UTF-8 as Shift_JIS
 * and shows mojibake), then CRLF-terminated records as RFC 4180 asks.
 */
export function encodeCsv(records: readonly (readonly string[])[]): string {
  return `\uFEFF${records.map((record) => record.map(csvField).join(",")).join("\r\n")}\r\n`;
}
