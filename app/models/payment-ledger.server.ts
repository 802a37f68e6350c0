import { sql } from "kysely";
import type { Database } from "~/db.server";
import { applyTransition, COUNTED, goalOfNeed, raisedOf } from "./needs.server";
import { enqueueEmail, OutboxEnqueueError } from "./outbox.server";
import type { DonationStatus, Locale, NeedStatus, StripeEventOutcome } from "./schema";
import { createSubscription } from "./subscriptions.server";

/**
 * The ledger behind POST /webhooks/stripe: every query that turns a Stripe event into counted
 * money. Every function runs inside the one transaction of its event (app/payments/webhook.server.ts),
 * which takes its locks in one order — advisory lock on the payment's business keys, then the
 * donation row, then the need row — so two transactions never wait on each other in a cycle.
 */

// ---- Events -----------------------------------------------------------------------------

export interface StripeEventRecord {
  id: string;
  type: string;
  accountId: string | null;
  livemode: boolean;
  created: number;
}

/**
 * Claims an event id for this transaction. The row is written before any effect and committed
 * with them: a second delivery of the same id waits here on the primary key until the first
 * commits (then finds it: a duplicate) or rolls back (then claims it and starts over).
 */
export async function claimStripeEvent(trx: Database, event: StripeEventRecord): Promise<boolean> {
  const row = await trx
    .insertInto("stripe_events")
    .values({
      id: event.id,
      type: event.type,
      account_id: event.accountId,
      livemode: event.livemode,
      created: event.created,
      // Overwritten by recordEventOutcome before commit; the CHECK wants one of the three.
      outcome: "processed",
    })
    .onConflict((oc) => oc.column("id").doNothing())
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

export async function recordEventOutcome(
  trx: Database,
  eventId: string,
  result: { outcome: StripeEventOutcome; detail: string; donationId?: number | null },
): Promise<void> {
  await trx
    .updateTable("stripe_events")
    .set({ outcome: result.outcome, detail: clip(result.detail, 1000), donation_id: result.donationId ?? null })
    .where("id", "=", eventId)
    .execute();
}

/**
 * Serialises everything about one payment (a Checkout Session or a PaymentIntent) for the rest
 * of the transaction, including the moment before its donation row is known: a refund that
 * arrives while the completion is being written must see the PaymentIntent the completion sets.
 * NOTE: https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS
 */
export async function lockPaymentKey(trx: Database, key: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx);
}

// ---- Donations --------------------------------------------------------------------------

export interface LedgerDonation {
  id: number;
  needId: number;
  amount: number;
  feeCover: number;
  currency: string;
  status: DonationStatus;
  donorName: string;
  donorEmail: string;
  showName: boolean;
  updatesOptIn: boolean;
  locale: Locale;
  checkoutSessionId: string | null;
  paymentIntentId: string | null;
  accountId: string | null;
  chargeId: string | null;
  refundedAmount: number;
  disputedAmount: number;
  disputeStatus: string | null;
}

/** Locks and returns one donation (FOR UPDATE), found by exactly one of its keys. */
export async function lockDonation(
  trx: Database,
  by: { id: number } | { checkoutSessionId: string } | { paymentIntentId: string },
): Promise<LedgerDonation | undefined> {
  let query = trx.selectFrom("donations").select([
    "id",
    "need_id",
    "amount",
    "fee_cover",
    "currency",
    "status",
    "donor_name",
    "donor_email",
    "show_name",
    "updates_opt_in",
    "locale",
    "stripe_checkout_session_id",
    "stripe_payment_intent_id",
    "stripe_account_id",
    "stripe_charge_id",
    "refunded_amount",
    "disputed_amount",
    "dispute_status",
  ]);
  if ("id" in by) query = query.where("id", "=", by.id);
  else if ("checkoutSessionId" in by) query = query.where("stripe_checkout_session_id", "=", by.checkoutSessionId);
  else query = query.where("stripe_payment_intent_id", "=", by.paymentIntentId);
  const row = await query.forUpdate().executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    needId: row.need_id,
    amount: row.amount,
    feeCover: row.fee_cover,
    currency: row.currency,
    status: row.status,
    donorName: row.donor_name,
    donorEmail: row.donor_email,
    showName: row.show_name,
    updatesOptIn: row.updates_opt_in,
    locale: row.locale,
    checkoutSessionId: row.stripe_checkout_session_id,
    paymentIntentId: row.stripe_payment_intent_id,
    accountId: row.stripe_account_id,
    chargeId: row.stripe_charge_id,
    refundedAmount: row.refunded_amount,
    disputedAmount: row.disputed_amount,
    disputeStatus: row.dispute_status,
  };
}

/**
 * Locks the donation's need (FOR UPDATE), right after the donation row and before any write.
 * NOTE: a second UPDATE of a row this transaction already updated re-checks its foreign keys,
 * which takes FOR KEY SHARE on the need; taking FOR UPDATE only later (to compare raised with
 * the goal) would then be a lock upgrade, and concurrent donations to one need deadlock on it.
 * https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-ROWS
 */
export async function lockNeed(trx: Database, needId: number): Promise<{ id: number; status: NeedStatus }> {
  return trx.selectFrom("needs").where("id", "=", needId).select(["id", "status"]).forUpdate().executeTakeFirstOrThrow();
}

/** Whether a donation other than `exceptId` already holds this PaymentIntent (UNIQUE would refuse it). */
export async function paymentIntentTaken(trx: Database, paymentIntentId: string, exceptId: number): Promise<boolean> {
  const row = await trx
    .selectFrom("donations")
    .where("stripe_payment_intent_id", "=", paymentIntentId)
    .where("id", "!=", exceptId)
    .select("id")
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Fills in Stripe ids the donation did not know yet; never replaces one it knows (the caller
 * parks an event whose ids disagree). Called under the PaymentIntent's advisory lock, which
 * every writer of stripe_payment_intent_id here holds.
 */
export async function attachStripeIds(
  trx: Database,
  donationId: number,
  ids: { checkoutSessionId?: string | null; paymentIntentId?: string | null; chargeId?: string | null },
): Promise<void> {
  const set: Record<string, unknown> = {};
  if (ids.checkoutSessionId) set.stripe_checkout_session_id = sql`coalesce(stripe_checkout_session_id, ${ids.checkoutSessionId})`;
  if (ids.paymentIntentId) set.stripe_payment_intent_id = sql`coalesce(stripe_payment_intent_id, ${ids.paymentIntentId})`;
  if (ids.chargeId) set.stripe_charge_id = sql`coalesce(stripe_charge_id, ${ids.chargeId})`;
  if (Object.keys(set).length === 0) return;
  await trx
    .updateTable("donations")
    .set({ ...set, updated_at: sql`now()` })
    .where("id", "=", donationId)
    .execute();
}

/**
 * pending (or failed/expired: Stripe says the money was taken, and money taken is counted) →
 * succeeded. Returns false when it already was: the caller then does nothing else, which is
 * what makes a second completion event about the same payment harmless.
 */
export async function markDonationSucceeded(trx: Database, donationId: number, at: number): Promise<boolean> {
  const row = await trx
    .updateTable("donations")
    .set({ status: "succeeded", succeeded_at: sql`coalesce(succeeded_at, to_timestamp(${at}))`, updated_at: sql`now()` })
    .where("id", "=", donationId)
    .where("status", "!=", "succeeded")
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

/** Only a pending donation can fail or expire: succeeded is never downgraded by a late event. */
export async function markDonationUnpaid(trx: Database, donationId: number, status: "failed" | "expired"): Promise<boolean> {
  const row = await trx
    .updateTable("donations")
    .set({ status, ...(status === "failed" ? { failed_at: sql`coalesce(failed_at, now())` } : {}), updated_at: sql`now()` })
    .where("id", "=", donationId)
    .where("status", "=", "pending")
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

// ---- Refund and dispute facts -------------------------------------------------------------

/**
 * Facts are stored as Stripe states them, keyed by Stripe's ids and ordered by the `created` of
 * the event that stated them, so a late older event changes nothing. Within the same second a
 * later state in the object's own life wins (pending < succeeded < failed for a refund).
 */
const refundRank = (status: ReturnType<typeof sql.ref>) =>
  sql`CASE ${status} WHEN 'failed' THEN 2 WHEN 'canceled' THEN 2 WHEN 'succeeded' THEN 1 ELSE 0 END`;
const DISPUTE_FINAL = `('won', 'lost', 'warning_closed', 'prevented')`;

/** The columns payment_refunds and payment_disputes share, as a fact states them. */
function factColumns(fact: { paymentIntentId: string; amount: number; currency: string; status: string; at: number }) {
  return { payment_intent_id: fact.paymentIntentId, amount: fact.amount, currency: fact.currency, status: fact.status, status_at: fact.at };
}

/** A newer statement of a refund or dispute replaces what is stored (the caller's WHERE says when). */
const FACT_UPDATE = {
  amount: sql<number>`excluded.amount`,
  status: sql<string>`excluded.status`,
  status_at: sql<number>`excluded.status_at`,
  updated_at: sql<Date>`now()`,
};

export interface RefundFact {
  refundId: string;
  paymentIntentId: string;
  amount: number;
  currency: string;
  status: string;
  at: number;
}

/** Returns whether the stored fact changed. */
export async function storeRefundFact(trx: Database, fact: RefundFact): Promise<boolean> {
  const row = await trx
    .insertInto("payment_refunds")
    .values({
      stripe_refund_id: fact.refundId,
      ...factColumns(fact),
    })
    .onConflict((oc) =>
      oc
        .column("stripe_refund_id")
        .doUpdateSet(FACT_UPDATE)
        .where(
          sql<boolean>`payment_refunds.status_at < excluded.status_at
            OR (payment_refunds.status_at = excluded.status_at AND ${refundRank(sql.ref("payment_refunds.status"))} < ${refundRank(sql.ref("excluded.status"))})`,
        ),
    )
    .returning("stripe_refund_id")
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * A charge's cumulative amount_refunded as of an event. Within one second the larger amount
 * wins: charge.refunded events only grow the amount.
 */
export async function storeChargeRefundFact(trx: Database, fact: { paymentIntentId: string; amountRefunded: number; at: number }): Promise<boolean> {
  const row = await trx
    .insertInto("payment_charge_refunds")
    .values({ payment_intent_id: fact.paymentIntentId, amount_refunded: fact.amountRefunded, status_at: fact.at })
    .onConflict((oc) =>
      oc
        .column("payment_intent_id")
        .doUpdateSet({ amount_refunded: sql`excluded.amount_refunded`, status_at: sql`excluded.status_at`, updated_at: sql`now()` })
        .where(
          sql<boolean>`payment_charge_refunds.status_at < excluded.status_at
            OR (payment_charge_refunds.status_at = excluded.status_at AND payment_charge_refunds.amount_refunded < excluded.amount_refunded)`,
        ),
    )
    .returning("payment_intent_id")
    .executeTakeFirst();
  return row !== undefined;
}

export interface DisputeFact {
  disputeId: string;
  paymentIntentId: string;
  amount: number;
  currency: string;
  status: string;
  at: number;
}

export async function storeDisputeFact(trx: Database, fact: DisputeFact): Promise<boolean> {
  const row = await trx
    .insertInto("payment_disputes")
    .values({
      stripe_dispute_id: fact.disputeId,
      ...factColumns(fact),
    })
    .onConflict((oc) =>
      oc
        .column("stripe_dispute_id")
        .doUpdateSet(FACT_UPDATE)
        .where(
          sql<boolean>`payment_disputes.status_at < excluded.status_at
            OR (payment_disputes.status_at = excluded.status_at
                AND payment_disputes.status NOT IN ${sql.raw(DISPUTE_FINAL)} AND excluded.status IN ${sql.raw(DISPUTE_FINAL)})`,
        ),
    )
    .returning("stripe_dispute_id")
    .executeTakeFirst();
  return row !== undefined;
}

/** Refund states in which the money is, or is on its way, back with the donor. */
const INACTIVE_REFUND = new Set(["failed", "canceled"]);
/** Dispute states in which the money stays with the organisation: won, or an inquiry closed without a chargeback. */
const RELEASED_DISPUTE = new Set(["won", "warning_closed"]);

export interface PaymentFacts {
  refunds: Array<{ amount: number; status: string; at: number }>;
  charge: { amountRefunded: number; at: number } | null;
  disputes: Array<{ id: string; amount: number; status: string; at: number }>;
}

export interface PaymentTotals {
  refundedAmount: number;
  disputedAmount: number;
  disputeStatus: string | null;
}

/**
 * What the facts add up to, capped at what was charged (amount + fee cover).
 *
 * Refunds come from two sources that can each miss what the other has: refund objects
 * (refund.*, charge.refund.updated — an endpoint may not receive them, or they arrive late)
 * and the charge's cumulative amount_refunded (charge.refunded — it goes stale when a refund
 * later fails, because Stripe sends no new charge.refunded then). So:
 *   refunded = max(Σ refunds still active,
 *                  charge snapshot − Σ refunds that failed or were cancelled after the snapshot)
 * Each term alone can only under-state; the larger one is the better-informed, and once every
 * event has arrived both agree. Disputed money is what open or lost disputes hold; the latest
 * dispute's status is kept for COUNTED (app/models/needs.server.ts), which ignores it once 'won'.
 */
export function paymentTotals(facts: PaymentFacts, charged: number): PaymentTotals {
  const active = facts.refunds.filter((r) => !INACTIVE_REFUND.has(r.status)).reduce((sum, r) => sum + r.amount, 0);
  let fromCharge = 0;
  if (facts.charge) {
    const snapshot = facts.charge;
    const failedSince = facts.refunds
      .filter((r) => INACTIVE_REFUND.has(r.status) && r.at > snapshot.at)
      .reduce((sum, r) => sum + r.amount, 0);
    fromCharge = Math.max(snapshot.amountRefunded - failedSince, 0);
  }
  const refunded = Math.min(Math.max(active, fromCharge), charged);
  const disputed = Math.min(
    facts.disputes.filter((d) => !RELEASED_DISPUTE.has(d.status)).reduce((sum, d) => sum + d.amount, 0),
    charged,
  );
  const latest = [...facts.disputes].sort((a, b) => b.at - a.at || b.id.localeCompare(a.id))[0];
  return { refundedAmount: refunded, disputedAmount: disputed, disputeStatus: latest?.status ?? null };
}

/**
 * Recomputes the donation's cached refunded_amount, disputed_amount and dispute_status from the
 * stored facts (never by adding to them, so replays and disorder cannot double-count).
 * Returns whether anything changed.
 */
export async function refreshPaymentTotals(trx: Database, donation: LedgerDonation): Promise<boolean> {
  const paymentIntentId = donation.paymentIntentId;
  if (!paymentIntentId) return false;
  // One after another: a transaction is one connection.
  const refunds = await trx
    .selectFrom("payment_refunds")
    .where("payment_intent_id", "=", paymentIntentId)
    .select(["amount", "status", "status_at"])
    .execute();
  const charge = await trx
    .selectFrom("payment_charge_refunds")
    .where("payment_intent_id", "=", paymentIntentId)
    .select(["amount_refunded", "status_at"])
    .executeTakeFirst();
  const disputes = await trx
    .selectFrom("payment_disputes")
    .where("payment_intent_id", "=", paymentIntentId)
    .select(["stripe_dispute_id", "amount", "status", "status_at"])
    .execute();
  const totals = paymentTotals(
    {
      refunds: refunds.map((r) => ({ amount: r.amount, status: r.status, at: Number(r.status_at) })),
      charge: charge ? { amountRefunded: charge.amount_refunded, at: Number(charge.status_at) } : null,
      disputes: disputes.map((d) => ({ id: d.stripe_dispute_id, amount: d.amount, status: d.status, at: Number(d.status_at) })),
    },
    donation.amount + donation.feeCover,
  );
  if (
    totals.refundedAmount === donation.refundedAmount &&
    totals.disputedAmount === donation.disputedAmount &&
    totals.disputeStatus === donation.disputeStatus
  ) {
    return false;
  }
  await trx
    .updateTable("donations")
    .set({
      refunded_amount: totals.refundedAmount,
      disputed_amount: totals.disputedAmount,
      dispute_status: totals.disputeStatus,
      updated_at: sql`now()`,
    })
    .where("id", "=", donation.id)
    .execute();
  Object.assign(donation, totals);
  return true;
}

// ---- What a succeeded donation sends ------------------------------------------------------

interface NeedContext {
  id: number;
  slug: string;
  title: string;
  currency: string;
  status: NeedStatus;
  organisationId: number;
  organisationName: string;
}

async function needContext(trx: Database, needId: number): Promise<NeedContext> {
  const row = await trx
    .selectFrom("needs")
    .innerJoin("organisations as o", "o.id", "needs.organisation_id")
    .where("needs.id", "=", needId)
    .select(["needs.id", "needs.slug", "needs.title", "needs.currency", "needs.status", "needs.organisation_id", "o.name as organisation_name"])
    .executeTakeFirstOrThrow();
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    currency: row.currency,
    status: row.status,
    organisationId: row.organisation_id,
    organisationName: row.organisation_name,
  };
}

const needUrl = (appUrl: string, slug: string) => `${appUrl}/needs/${encodeURIComponent(slug)}`;

/**
 * The receipt (once per donation, by its key) and, if the donor opted in, the updates
 * subscription — in the transaction that made the donation succeed. Returns false when the
 * outbox refused the address (the money still counts; the event's detail says so).
 */
export async function queueDonationMail(trx: Database, donation: LedgerDonation, appUrl: string): Promise<boolean> {
  const need = await needContext(trx, donation.needId);
  const paid = await trx.selectFrom("donations").where("id", "=", donation.id).select("succeeded_at").executeTakeFirstOrThrow();
  let queued = true;
  try {
    await enqueueEmail(trx, {
      kind: "receipt",
      to: donation.donorEmail,
      locale: donation.locale,
      idempotencyKey: `receipt:${donation.id}`,
      transactional: true,
      props: {
        donationId: donation.id,
        donorName: donation.donorName,
        showName: donation.showName,
        amount: donation.amount,
        feeCover: donation.feeCover,
        currency: donation.currency,
        needTitle: need.title,
        needUrl: needUrl(appUrl, need.slug),
        organisationName: need.organisationName,
        paidAt: (paid.succeeded_at ?? new Date()).toISOString(),
        // No organisation can declare tax-deductible status yet (issue 5): say plainly it is not.
        taxDeductible: false,
      },
    });
  } catch (error) {
    // Thrown before any SQL, so the transaction is intact. An address the outbox refuses must
    // not stop the money from being counted (Stripe would retry this event for days).
    if (!(error instanceof OutboxEnqueueError)) throw error;
    queued = false;
  }
  if (donation.updatesOptIn && queued) {
    await createSubscription(trx, {
      email: donation.donorEmail,
      organisationId: need.organisationId,
      needId: need.id,
      locale: donation.locale,
      source: "donation",
      status: "active",
    });
  }
  return queued;
}

// ---- The goal -----------------------------------------------------------------------------

export interface GoalResult {
  raised: number;
  goal: number;
  funded: boolean;
  /** Goal-met emails queued by this call. */
  notified: number;
}

/**
 * After a change that can raise a need's counted total: with the need row locked (after the
 * donation row, always — see lockNeed), compare raised with the goal. The first transaction to see raised ≥ goal
 * while the need is live moves it to funded and, in the same transaction, queues one goal-met
 * email per address — backers (donors whose money counts) and the organisation's members.
 *
 * `funded` is never undone (app/need-lifecycle.ts has no way back to live): if refunds drop the
 * total below the goal the need stays funded, and crossing again changes nothing. Independently
 * of that, goal_met_notifications (UNIQUE on need and lower(email)) guarantees an address hears
 * about a need's goal at most once, whatever happens to the status.
 */
export async function settleGoal(trx: Database, needId: number, appUrl: string): Promise<GoalResult> {
  const locked = await lockNeed(trx, needId);
  // A separate statement after the lock: under READ COMMITTED it sees every donation committed
  // by transactions that held this lock before us.
  const sums = await trx
    .selectFrom("needs")
    .where("needs.id", "=", needId)
    .select((eb) => [raisedOf(eb).as("raised"), goalOfNeed(eb).as("goal")])
    .executeTakeFirstOrThrow();
  const raised = Number(sums.raised ?? 0);
  const goal = Number(sums.goal ?? 0);
  if (locked.status !== "live" || goal <= 0 || raised < goal) return { raised, goal, funded: false, notified: 0 };

  await applyTransition(trx, needId, "live", "funded", "system");
  const need = await needContext(trx, needId);

  const members = await trx
    .selectFrom("organisation_members as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .where("m.organisation_id", "=", need.organisationId)
    .select(["u.email", "u.locale"])
    .orderBy("u.id")
    .execute();
  // Each backer's address once, in the language of their latest counted donation.
  const backers = await trx
    .selectFrom("donations as d")
    .where("d.need_id", "=", needId)
    .where(sql<boolean>`${COUNTED} > 0`)
    .distinctOn(sql`lower(d.donor_email)`)
    .select(["d.donor_email as email", "d.locale"])
    .orderBy(sql`lower(d.donor_email)`)
    .orderBy("d.succeeded_at", "desc")
    .orderBy("d.id", "desc")
    .execute();

  // Organisers first: one who also gave reads the organisers' version.
  const recipients = new Map<string, { email: string; locale: Locale; audience: "organiser" | "backer" }>();
  for (const m of members) recipients.set(m.email.trim().toLowerCase(), { email: m.email.trim(), locale: m.locale, audience: "organiser" });
  for (const b of backers) {
    const key = b.email.trim().toLowerCase();
    if (!recipients.has(key)) recipients.set(key, { email: b.email.trim(), locale: b.locale, audience: "backer" });
  }
  if (recipients.size === 0) return { raised, goal, funded: true, notified: 0 };

  const fresh = await trx
    .insertInto("goal_met_notifications")
    .values([...recipients.values()].map((r) => ({ need_id: needId, email: r.email })))
    .onConflict((oc) => oc.expression(sql`need_id, lower(email)`).doNothing())
    .returning("email")
    .execute();

  let notified = 0;
  for (const { email } of fresh) {
    const recipient = recipients.get(email.toLowerCase())!;
    try {
      const queued = await enqueueEmail(trx, {
        kind: "goal-met",
        to: recipient.email,
        locale: recipient.locale,
        idempotencyKey: `goal-met:${needId}:${recipient.email.toLowerCase()}`,
        transactional: true,
        // One fan-out: the worker sends these through the provider's batch endpoint.
        batchKey: `goal-met:${needId}`,
        props: {
          audience: recipient.audience,
          needTitle: need.title,
          needUrl: needUrl(appUrl, need.slug),
          organisationName: need.organisationName,
          goal,
          raised,
          currency: need.currency,
        },
      });
      if (queued) notified += 1;
    } catch (error) {
      // An address the outbox refuses (thrown before any SQL) costs that one email, not the event.
      if (!(error instanceof OutboxEnqueueError)) throw error;
    }
  }
  return { raised, goal, funded: true, notified };
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
