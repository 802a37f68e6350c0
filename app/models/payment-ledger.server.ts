import { sql, type RawBuilder } from "kysely";
import type { Database } from "~/db.server";
import { disputeHoldsMoney } from "~/disputes";
import { applyTransition, COUNTED, goalOfNeed, raisedOf } from "./needs.server";
import { enqueueEmailQuery, enqueueEmails, OutboxEnqueueError, type EnqueueEmailInput } from "./outbox.server";
import type { DonationStatus, Locale, NeedStatus, StripeEventOutcome } from "./schema";
import { createSubscription } from "./subscriptions.server";

/**
 * The ledger behind POST /webhooks/stripe: every query that turns a Stripe event into counted
 * money. The event's functions run inside the one transaction of its event
 * (app/payments/webhook.server.ts), which takes its locks in one order — advisory locks on the
 * payment's business keys, then the donation row — so two transactions never wait on each other
 * in a cycle. The goal is settled afterwards, in a transaction of its own that locks only the
 * need row (settleGoal, app/payments/goal-checks.server.ts).
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
 * Claims an event id for this transaction and, once claimed, takes the advisory locks on its
 * payment's business keys (advisoryLock, below), in one statement. The row is written before any
 * effect and committed with them: a second delivery of the same id waits here on the primary
 * key until the first commits (then finds it: a duplicate, and takes no lock) or rolls back
 * (then claims it and starts over).
 *
 * `lockKeys` in the order every transaction takes them (Checkout Session, then PaymentIntent).
 * One statement instead of two: each round trip to PostgreSQL costs both sides CPU, and every
 * event pays it. The statements that read what those locks protect come after this one, so
 * their snapshots see what the previous holder committed.
 */
export async function claimStripeEvent(trx: Database, event: StripeEventRecord, lockKeys: readonly string[] = []): Promise<boolean> {
  const claim = trx
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
    .returning("id");
  if (lockKeys.length === 0) return (await claim.executeTakeFirst()) !== undefined;
  // Evaluated once per claimed row, left to right; a duplicate claims no row and locks nothing.
  const row = await trx
    .with("claimed", () => claim)
    .selectFrom("claimed")
    .select(["claimed.id", ...lockKeys.map((key, i) => advisoryLock(key).as(`lock_${i}`))])
    .executeTakeFirst();
  return row !== undefined;
}

export interface EventOutcome {
  outcome: StripeEventOutcome;
  detail: string;
  donationId?: number | null;
}

export async function recordEventOutcome(trx: Database, eventId: string, result: EventOutcome): Promise<void> {
  await outcomeUpdate(trx, eventId, result).execute();
}

function outcomeUpdate(trx: Database, eventId: string, result: EventOutcome) {
  return trx
    .updateTable("stripe_events")
    .set({ outcome: result.outcome, detail: clip(result.detail, 1000), donation_id: result.donationId ?? null })
    .where("id", "=", eventId);
}

/**
 * The advisory lock on one of a payment's business keys (a Checkout Session or a PaymentIntent),
 * taken by claimStripeEvent. It serialises everything about one payment for the rest of the
 * transaction, including the moment before its donation row is known: a refund that arrives
 * while the completion is being written must see the PaymentIntent the completion sets.
 * Several are taken in the order given (a SELECT list is evaluated left to right), so every
 * caller keeps one order: Checkout Session, then PaymentIntent.
 * NOTE: https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS
 */
const advisoryLock = (key: string) => sql<unknown>`pg_advisory_xact_lock(hashtextextended(${key}, 0))`;

// ---- Donations --------------------------------------------------------------------------

/** What the receipt and the goal-met emails say about the donation's need. */
export interface NeedContext {
  id: number;
  slug: string;
  title: string;
  currency: string;
  organisationId: number;
  organisationName: string;
}

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
  /** When it was counted (succeeded_at), if it was. */
  succeededAt: Date | null;
  need: NeedContext;
  /**
   * Whether a donation other than this one holds the PaymentIntent passed to lockDonation
   * (UNIQUE would refuse it); false when none was passed.
   */
  paymentIntentTaken: boolean;
  /**
   * The stored refunds, charge snapshot and disputes of `factsOf` (its PaymentIntent, or the one
   * passed to lockDonation), read in the locking statement; writePayment uses them unless told
   * they changed since.
   */
  facts: PaymentFacts;
  factsOf: string | null;
}

/**
 * Locks and returns one donation (FOR UPDATE OF the donation only), found by exactly one of
 * its keys, with its need's names (for the emails) read in the same statement.
 *
 * `paymentIntentId`: the PaymentIntent the event names, to learn in the same statement whether
 * another donation already holds it. Callers hold that PaymentIntent's advisory lock (taken in
 * an earlier statement), which every writer of stripe_payment_intent_id holds, so this
 * statement's snapshot already sees any such writer's commit.
 */
export async function lockDonation(
  trx: Database,
  by: { id: number } | { checkoutSessionId: string } | { paymentIntentId: string },
  options: { paymentIntentId?: string | null } = {},
): Promise<LedgerDonation | undefined> {
  const otherPaymentIntent = options.paymentIntentId ?? null;
  let query = trx
    .selectFrom("donations as d")
    .innerJoin("needs as n", "n.id", "d.need_id")
    .innerJoin("organisations as o", "o.id", "n.organisation_id")
    .select([
      "d.id",
      "d.need_id",
      "d.amount",
      "d.fee_cover",
      "d.currency",
      "d.status",
      "d.donor_name",
      "d.donor_email",
      "d.show_name",
      "d.updates_opt_in",
      "d.locale",
      "d.stripe_checkout_session_id",
      "d.stripe_payment_intent_id",
      "d.stripe_account_id",
      "d.stripe_charge_id",
      "d.refunded_amount",
      "d.disputed_amount",
      "d.dispute_status",
      "d.succeeded_at",
      "n.slug as need_slug",
      "n.title as need_title",
      "n.currency as need_currency",
      "n.organisation_id",
      "o.name as organisation_name",
      (otherPaymentIntent === null
        ? sql<boolean>`false`
        : sql<boolean>`EXISTS (SELECT 1 FROM donations other
            WHERE other.stripe_payment_intent_id = ${otherPaymentIntent} AND other.id <> d.id)`
      ).as("payment_intent_taken"),
      // The facts writePayment recomputes the totals from, read here rather than in a statement
      // of their own (one round trip less for every event).
      sql<FactRow[]>`(SELECT coalesce(json_agg(f), '[]'::json)
        FROM (${factRows(sql`coalesce(d.stripe_payment_intent_id, ${otherPaymentIntent}::text)`)}) f)`.as("payment_facts"),
    ]);
  if ("id" in by) query = query.where("d.id", "=", by.id);
  else if ("checkoutSessionId" in by) query = query.where("d.stripe_checkout_session_id", "=", by.checkoutSessionId);
  else query = query.where("d.stripe_payment_intent_id", "=", by.paymentIntentId);
  // OF d: the need and organisation rows are only read; the need is locked later, in settleGoal.
  const row = await query.forUpdate(["d"]).executeTakeFirst();
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
    succeededAt: row.succeeded_at,
    need: {
      id: row.need_id,
      slug: row.need_slug,
      title: row.need_title,
      currency: row.need_currency,
      organisationId: row.organisation_id,
      organisationName: row.organisation_name,
    },
    paymentIntentTaken: Boolean(row.payment_intent_taken),
    facts: paymentFactsFrom(row.payment_facts),
    factsOf: row.stripe_payment_intent_id ?? otherPaymentIntent,
  };
}

/**
 * Locks the need's row to settle its goal (settleGoal, in a transaction of its own).
 *
 * FOR NO KEY UPDATE, not FOR UPDATE. NOTE: writes of rows that reference the need (a donation
 * updated twice in one transaction, a subscription or goal-met row inserted) take FOR KEY SHARE
 * on it through their foreign-key checks, and events about the need do that all the time. FOR
 * UPDATE would wait for every one of them, and deadlocks a transaction that already holds KEY
 * SHARE (a lock upgrade: tests/integration/stripe-webhook.test.ts shows both); FOR NO KEY UPDATE
 * does not conflict with KEY SHARE. It still conflicts with itself (two processes settling the
 * same goal take turns), with FOR SHARE (a new pending donation) and with FOR UPDATE (organisers'
 * item and lifecycle changes), which is all the serialisation the goal needs. The funded
 * transition that follows updates no key column (id, slug), so it needs nothing stronger.
 * https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-ROWS
 */
export async function lockNeed(trx: Database, needId: number): Promise<{ id: number; status: NeedStatus }> {
  return trx.selectFrom("needs").where("id", "=", needId).select(["id", "status"]).forNoKeyUpdate().executeTakeFirstOrThrow();
}

/** What one event writes to its donation, in one UPDATE. */
export interface PaymentWrite {
  /** Stripe ids the donation may not know yet; one it knows is never replaced. */
  checkoutSessionId?: string | null;
  paymentIntentId?: string | null;
  chargeId?: string | null;
  /** The event's `created`: the money is taken, so the donation is counted from now on. */
  succeededAt?: number | null;
  /** Recompute the cached refund and dispute totals from the stored facts. */
  refreshTotals?: boolean;
  /** A fact was stored after lockDonation read them: read them again. */
  factsStored?: boolean;
}

/**
 * Writes what an event says about its (locked) donation in one UPDATE — Stripe ids, pending
 * (or failed/expired: Stripe says the money was taken, and money taken is counted) →
 * succeeded, and the refund and dispute totals recomputed from the stored facts — and brings
 * `donation` up to date. Learning the PaymentIntent always recomputes the totals: refunds or
 * disputes that overtook the completion were stored by PaymentIntent.
 *
 * Returns whether the donation became succeeded now (false when it already was: the caller
 * then sends nothing, which makes a second completion about the same payment harmless) and
 * whether the totals changed. Callers hold the PaymentIntent's advisory lock, which every
 * writer of stripe_payment_intent_id and of the facts holds.
 */
export async function writePayment(
  trx: Database,
  donation: LedgerDonation,
  write: PaymentWrite,
): Promise<{ succeeded: boolean; totalsChanged: boolean }> {
  return applyPayment(trx, donation, await planPayment(trx, donation, write));
}

/** What writePayment will change, worked out (facts read if needed) but not yet written. */
export interface PaymentPlan {
  write: PaymentWrite;
  set: Record<string, unknown>;
  learns: boolean;
  paymentIntentId: string | null;
  /** The donation becomes succeeded (it was not). */
  succeeds: boolean;
  /** The refund and dispute totals, when they change. */
  totals: PaymentTotals | null;
}

export async function planPayment(trx: Database, donation: LedgerDonation, write: PaymentWrite): Promise<PaymentPlan> {
  const learns = Boolean(write.paymentIntentId) && donation.paymentIntentId === null;
  const paymentIntentId = donation.paymentIntentId ?? (learns ? write.paymentIntentId! : null);
  const succeeds = write.succeededAt != null && donation.status !== "succeeded";

  const set: Record<string, unknown> = {};
  if (write.checkoutSessionId && donation.checkoutSessionId === null) set.stripe_checkout_session_id = write.checkoutSessionId;
  if (learns) set.stripe_payment_intent_id = paymentIntentId;
  if (write.chargeId && donation.chargeId === null) set.stripe_charge_id = write.chargeId;
  if (succeeds) {
    set.status = "succeeded";
    set.succeeded_at = sql`coalesce(succeeded_at, to_timestamp(${write.succeededAt!}))`;
  }
  let totals: PaymentTotals | null = null;
  if ((learns || write.refreshTotals) && paymentIntentId) {
    const facts = !write.factsStored && donation.factsOf === paymentIntentId ? donation.facts : await paymentFacts(trx, paymentIntentId);
    const computed = paymentTotals(facts, donation.amount + donation.feeCover);
    if (
      computed.refundedAmount !== donation.refundedAmount ||
      computed.disputedAmount !== donation.disputedAmount ||
      computed.disputeStatus !== donation.disputeStatus
    ) {
      totals = computed;
      set.refunded_amount = computed.refundedAmount;
      set.disputed_amount = computed.disputedAmount;
      set.dispute_status = computed.disputeStatus;
    }
  }
  return { write, set, learns, paymentIntentId, succeeds, totals };
}

/** What applyPayment writes in the same statement as the donation (data-modifying WITHs). */
export interface WrittenAlong {
  /** The event's outcome. */
  outcome?: { eventId: string } & EventOutcome;
  /** An email to queue (enqueueEmailQuery), such as the receipt. */
  email?: ReturnType<typeof enqueueEmailQuery>;
}

/**
 * Writes a plan in one UPDATE and brings `donation` up to date. `along`: the event's outcome and
 * an email, written by the same statement rather than by statements of their own — two round
 * trips less on the path every counted payment takes (README, "Performance").
 */
export async function applyPayment(
  trx: Database,
  donation: LedgerDonation,
  plan: PaymentPlan,
  along: WrittenAlong = {},
): Promise<{ succeeded: boolean; totalsChanged: boolean }> {
  const { set, write } = plan;
  const { outcome, email } = along;
  if (Object.keys(set).length === 0) {
    if (outcome) await recordEventOutcome(trx, outcome.eventId, outcome);
    if (email) await email.execute();
    return { succeeded: false, totalsChanged: false };
  }
  const values = { ...set, updated_at: sql<Date>`now()` };
  // Each WITH is a different builder type; the UPDATE below reads none of them.
  let writer: Database = trx;
  if (outcome) writer = writer.with("outcome", () => outcomeUpdate(trx, outcome.eventId, outcome)) as unknown as Database;
  if (email) writer = writer.with("email", () => email) as unknown as Database;
  const row = await writer.updateTable("donations").set(values).where("id", "=", donation.id).returning("succeeded_at").executeTakeFirstOrThrow();
  if (set.stripe_checkout_session_id) donation.checkoutSessionId = write.checkoutSessionId!;
  if (plan.learns) donation.paymentIntentId = plan.paymentIntentId;
  if (set.stripe_charge_id) donation.chargeId = write.chargeId!;
  if (plan.succeeds) donation.status = "succeeded";
  donation.succeededAt = row.succeeded_at;
  if (plan.totals) Object.assign(donation, plan.totals);
  return { succeeded: plan.succeeds, totalsChanged: plan.totals !== null };
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
    facts.disputes.filter((d) => disputeHoldsMoney(d.status)).reduce((sum, d) => sum + d.amount, 0),
    charged,
  );
  const latest = [...facts.disputes].sort((a, b) => b.at - a.at || b.id.localeCompare(a.id))[0];
  return { refundedAmount: refunded, disputedAmount: disputed, disputeStatus: latest?.status ?? null };
}

/** One stored fact, as factRows selects it. */
interface FactRow {
  kind: "refund" | "charge" | "dispute";
  id: string;
  amount: number | string;
  status: string | null;
  status_at: number | string;
}

/** Every stored refund, charge snapshot and dispute of the PaymentIntent `paymentIntentId` names. */
function factRows(paymentIntentId: RawBuilder<unknown>) {
  return sql<FactRow>`
    SELECT 'refund' AS kind, stripe_refund_id AS id, amount, status, status_at
      FROM payment_refunds WHERE payment_intent_id = ${paymentIntentId}
    UNION ALL
    SELECT 'charge', payment_intent_id, amount_refunded, NULL, status_at
      FROM payment_charge_refunds WHERE payment_intent_id = ${paymentIntentId}
    UNION ALL
    SELECT 'dispute', stripe_dispute_id, amount, status, status_at
      FROM payment_disputes WHERE payment_intent_id = ${paymentIntentId}`;
}

function paymentFactsFrom(rows: readonly FactRow[]): PaymentFacts {
  const facts: PaymentFacts = { refunds: [], charge: null, disputes: [] };
  for (const row of rows) {
    const amount = Number(row.amount);
    const at = Number(row.status_at);
    if (row.kind === "refund") facts.refunds.push({ amount, status: row.status!, at });
    else if (row.kind === "charge") facts.charge = { amountRefunded: amount, at };
    else facts.disputes.push({ id: row.id, amount, status: row.status!, at });
  }
  return facts;
}

/**
 * Every stored refund, charge snapshot and dispute of one PaymentIntent, in one query (three
 * would be three round trips inside the event's transaction).
 */
export async function paymentFacts(trx: Database, paymentIntentId: string): Promise<PaymentFacts> {
  const result = await factRows(sql`${paymentIntentId}`).execute(trx);
  return paymentFactsFrom(result.rows);
}

// ---- What a succeeded donation sends ------------------------------------------------------

async function needContext(trx: Database, needId: number): Promise<NeedContext> {
  const row = await trx
    .selectFrom("needs")
    .innerJoin("organisations as o", "o.id", "needs.organisation_id")
    .where("needs.id", "=", needId)
    .select(["needs.id", "needs.slug", "needs.title", "needs.currency", "needs.organisation_id", "o.name as organisation_name"])
    .executeTakeFirstOrThrow();
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    currency: row.currency,
    organisationId: row.organisation_id,
    organisationName: row.organisation_name,
  };
}

const needUrl = (appUrl: string, slug: string) => `${appUrl}/needs/${encodeURIComponent(slug)}`;

/**
 * The donation's receipt (once per donation, by its key), as a statement for applyPayment to
 * run in the transaction that makes the donation succeed. The need's names come with the
 * donation (lockDonation) and `paidAt` from the event: nothing is read again.
 * Null when the outbox refuses the donor's address: the money still counts (Stripe would retry
 * the event for days), and the event's detail says so.
 */
export function receiptEmail(trx: Database, donation: LedgerDonation, paidAt: Date, appUrl: string): ReturnType<typeof enqueueEmailQuery> | null {
  const need = donation.need;
  try {
    return enqueueEmailQuery(trx, {
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
        paidAt: paidAt.toISOString(),
        // No organisation can declare tax-deductible status yet (issue 5): say plainly it is not.
        taxDeductible: false,
      },
    });
  } catch (error) {
    // Thrown before any SQL, so the transaction is intact.
    if (!(error instanceof OutboxEnqueueError)) throw error;
    return null;
  }
}

/** The updates subscription of a donor who opted in, in the transaction that counts the donation. */
export async function subscribeDonor(trx: Database, donation: LedgerDonation): Promise<void> {
  if (!donation.updatesOptIn) return;
  await createSubscription(trx, {
    email: donation.donorEmail,
    organisationId: donation.need.organisationId,
    needId: donation.need.id,
    locale: donation.locale,
    source: "donation",
    status: "active",
  });
}

// ---- The goal -----------------------------------------------------------------------------

export interface GoalResult {
  /** Counted total and goal; null when the need is not live (nothing to compare). */
  raised: number | null;
  goal: number | null;
  funded: boolean;
  /** Goal-met emails queued by this call. */
  notified: number;
}

/**
 * Where a need stands, in one statement and without a lock: the check that follows every
 * committed change of the total. Its snapshot starts after that commit, so it sees it.
 */
export async function goalStanding(db: Database, needId: number): Promise<{ status: NeedStatus; raised: number; goal: number } | undefined> {
  const row = await db
    .selectFrom("needs")
    .where("needs.id", "=", needId)
    .select((eb) => ["needs.status", raisedOf(eb).as("raised"), goalOfNeed(eb).as("goal")])
    .executeTakeFirst();
  return row && { status: row.status, raised: Number(row.raised ?? 0), goal: Number(row.goal ?? 0) };
}

/** Live needs whose counted total has reached their goal: the sweep settles these. */
export async function needsPastGoal(db: Database): Promise<number[]> {
  const rows = await db
    .selectFrom("needs")
    .where("needs.status", "=", "live")
    .where((eb) => eb(goalOfNeed(eb), ">", 0))
    .where((eb) => eb(raisedOf(eb), ">=", goalOfNeed(eb)))
    .select("needs.id")
    .orderBy("needs.id")
    .execute();
  return rows.map((r) => r.id);
}

/** Adds to what an event's outcome says (the goal it settled, after its own commit). */
export async function addEventDetail(trx: Database, eventId: string, note: string): Promise<void> {
  await trx
    .updateTable("stripe_events")
    .set({ detail: sql<string>`left(CASE WHEN detail = '' THEN ${note} ELSE detail || '; ' || ${note} END, 1000)` })
    .where("id", "=", eventId)
    .execute();
}

/** Rows per multi-row INSERT: well under PostgreSQL's 65,535 bind parameters (8 per outbox row). */
const FAN_OUT_CHUNK = 1000;

/**
 * Settles a need's goal in its own transaction (app/payments/goal-checks.server.ts runs it
 * after the event that changed the total has committed): lock the need row (lockNeed), then
 * compare raised with the goal. The first transaction to see raised ≥ goal while the need is
 * live moves it to funded and, in the same transaction, queues one goal-met email per address —
 * backers (donors whose money counts) and the organisation's members.
 *
 * Why this is enough (design.md, "Concurrency trap": re-check the goal after commit,
 * idempotently): every change that can raise the counted total is followed, once committed, by
 * a check that starts after that commit (goalStanding's snapshot sees it). The check that first
 * sees the goal met lands here; the lock makes two of them (two processes) take turns, and the
 * sum, a separate statement after the lock, sees what the other one did. The event's own
 * transaction never takes the need's lock, so events about one need do not queue on it.
 *
 * `funded` is never undone (app/need-lifecycle.ts has no way back to live): if refunds drop the
 * total below the goal the need stays funded, and crossing again changes nothing. Independently
 * of that, goal_met_notifications (UNIQUE on need and lower(email)) guarantees an address hears
 * about a need's goal at most once, whatever happens to the status.
 */
export async function settleGoal(trx: Database, needId: number, appUrl: string): Promise<GoalResult> {
  const locked = await lockNeed(trx, needId);
  // Only a live need can become funded: no sum to compute for the others.
  if (locked.status !== "live") return { raised: null, goal: null, funded: false, notified: 0 };
  // A separate statement after the lock: under READ COMMITTED it sees every donation committed
  // by transactions that held this lock before us (the locking statement's snapshot may not).
  const sums = await trx
    .selectFrom("needs")
    .where("needs.id", "=", needId)
    .select((eb) => [raisedOf(eb).as("raised"), goalOfNeed(eb).as("goal")])
    .executeTakeFirstOrThrow();
  const raised = Number(sums.raised ?? 0);
  const goal = Number(sums.goal ?? 0);
  if (goal <= 0 || raised < goal) return { raised, goal, funded: false, notified: 0 };

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

  // Multi-row INSERTs in chunks: 10,000 single-row statements took seconds inside this
  // transaction (and under the need's lock). ON CONFLICT DO NOTHING … RETURNING keeps the
  // at-most-once guarantee per address exactly as one row at a time did.
  const addresses = [...recipients.values()];
  const fresh: string[] = [];
  for (let start = 0; start < addresses.length; start += FAN_OUT_CHUNK) {
    const rows = await trx
      .insertInto("goal_met_notifications")
      .values(addresses.slice(start, start + FAN_OUT_CHUNK).map((r) => ({ need_id: needId, email: r.email })))
      .onConflict((oc) => oc.expression(sql`need_id, lower(email)`).doNothing())
      .returning("email")
      .execute();
    for (const row of rows) fresh.push(row.email);
  }

  // The same props for everyone of an audience: built (and validated by the outbox) once each.
  const propsFor = (audience: "organiser" | "backer") => ({
    audience,
    needTitle: need.title,
    needUrl: needUrl(appUrl, need.slug),
    organisationName: need.organisationName,
    goal,
    raised,
    currency: need.currency,
  });
  const props = { organiser: propsFor("organiser"), backer: propsFor("backer") };
  const emails: EnqueueEmailInput[] = fresh.map((email) => {
    const recipient = recipients.get(email.toLowerCase())!;
    return {
      kind: "goal-met",
      to: recipient.email,
      locale: recipient.locale,
      idempotencyKey: `goal-met:${needId}:${recipient.email.toLowerCase()}`,
      transactional: true,
      // One fan-out: the worker sends these through the provider's batch endpoint.
      batchKey: `goal-met:${needId}`,
      props: props[recipient.audience],
    };
  });
  // An address the outbox refuses (checked before any SQL) costs that one email, not the event.
  const notified = await enqueueEmails(trx, emails, { skipRefused: true, chunkSize: FAN_OUT_CHUNK });
  return { raised, goal, funded: true, notified };
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
