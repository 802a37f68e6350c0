import type Stripe from "stripe";
import type { AppContext } from "~/context";
import type { Database } from "~/db.server";
import type { Env } from "~/env.server";
import {
  applyPayment,
  claimStripeEvent,
  lockDonation,
  markDonationUnpaid,
  planPayment,
  receiptEmail,
  subscribeDonor,
  recordEventOutcome,
  storeChargeRefundFact,
  storeDisputeFact,
  storeRefundFact,
  writePayment,
  type LedgerDonation,
  type PaymentWrite,
} from "~/models/payment-ledger.server";
import { applyAccountSnapshot } from "~/models/stripe-accounts.server";
import { checkGoalAfterCommit } from "./goal-checks.server";
import { verifyWebhook } from "./stripe.server";

/**
 * POST /webhooks/stripe: verify, then turn the event into counted money in one transaction.
 *
 * Stripe delivers at least once, in any order, and retries for days; so every event id is
 * recorded once (UNIQUE) in the same transaction as its effects, each payment is processed by
 * its business key (Checkout Session / PaymentIntent) under a lock, and every total is
 * recomputed from stored facts rather than incremented. 200 for what we ignore, 400 only for
 * a signature that does not hold, 500 only when we fail (Stripe then retries).
 * NOTE: https://docs.stripe.com/webhooks#handle-events-asynchronously and
 * https://docs.stripe.com/webhooks/signature (verification needs the raw body).
 */

export interface WebhookResult {
  status: 200 | 400 | 500;
  body: string;
}

export type ProcessOutcome = "processed" | "ignored" | "parked" | "duplicate";

export interface ProcessResult {
  outcome: ProcessOutcome;
  detail: string;
  donationId?: number;
  /** The goal check after the commit failed (the sweep retries it); the event itself is stored. */
  goalCheckError?: unknown;
}

/** The event types we act on; everything else is recorded as 'ignored'. Reconcile lists these too. */
export const HANDLED_EVENT_TYPES = [
  "checkout.session.completed",
  "checkout.session.async_payment_succeeded",
  "checkout.session.async_payment_failed",
  "checkout.session.expired",
  "charge.refunded",
  "charge.refund.updated",
  "refund.created",
  "refund.updated",
  "refund.failed",
  "charge.dispute.created",
  "charge.dispute.updated",
  "charge.dispute.closed",
  "charge.dispute.funds_withdrawn",
  "charge.dispute.funds_reinstated",
  "account.updated",
] as const satisfies readonly Stripe.Event.Type[];

type HandledType = (typeof HANDLED_EVENT_TYPES)[number];
const HANDLED = new Set<string>(HANDLED_EVENT_TYPES);

export interface ReceiveOptions {
  /**
   * Answer once the event's transaction has committed, before the goal check that follows it
   * (the HTTP endpoint): Stripe asks for a quick 2xx before further work, and the check of a busy
   * need may wait for the one before it (goal-checks.server.ts). Its outcome is logged; a check
   * that fails is left to the goal sweep. Demo payments wait, so the thank-you page that follows
   * already shows the need as funded.
   */
  answerBeforeGoalCheck?: boolean;
}

export async function receiveStripeWebhook(
  ctx: Pick<AppContext, "db" | "env" | "logger">,
  rawBody: string,
  signature: string | null,
  options: ReceiveOptions = {},
): Promise<WebhookResult> {
  const verified = verifyWebhook(ctx.env, rawBody, signature);
  if (!verified) {
    ctx.logger.warn({ signed: Boolean(signature) }, "stripe webhook refused: signature missing, stale or invalid");
    return { status: 400, body: "invalid signature" };
  }
  const { event, endpoint } = verified;
  // Signed, so it came from Stripe (or our demo); still, a body without these is nothing we can record.
  if (!isEventShape(event)) {
    ctx.logger.warn({ endpoint }, "stripe webhook refused: not an event");
    return { status: 400, body: "malformed event" };
  }
  try {
    const { result, goalCheck } = await applyStripeEvent(ctx.db, ctx.env, event);
    const logGoal = (goal: GoalCheckOutcome) => {
      if (goal.error) ctx.logger.error({ eventId: event.id, err: goal.error }, "goal check after the event failed; the goal sweep will settle it");
    };
    if (goalCheck && !options.answerBeforeGoalCheck) logGoal(withGoal(result, await goalCheck));
    ctx.logger.info(
      { eventId: event.id, type: event.type, endpoint, outcome: result.outcome, detail: result.detail, donationId: result.donationId },
      "stripe event",
    );
    if (goalCheck && options.answerBeforeGoalCheck) {
      void goalCheck.then((goal) => {
        logGoal(goal);
        if (goal.note) ctx.logger.info({ eventId: event.id, donationId: result.donationId }, goal.note);
      });
    }
    if (result.outcome === "parked") ctx.logger.warn({ eventId: event.id, type: event.type, detail: result.detail }, "stripe event parked for review");
    return { status: 200, body: result.outcome };
  } catch (error) {
    // Nothing of it was committed (one transaction); Stripe retries with backoff.
    ctx.logger.error({ eventId: event.id, type: event.type, err: error }, "stripe event failed");
    return { status: 500, body: "processing failed" };
  }
}

function isEventShape(event: Stripe.Event): boolean {
  const e = event as unknown as Record<string, unknown>;
  const data = e.data as Record<string, unknown> | undefined;
  return (
    typeof e.id === "string" &&
    e.id.length > 0 &&
    e.id.length <= 255 &&
    typeof e.type === "string" &&
    Number.isSafeInteger(e.created) &&
    typeof data === "object" &&
    data !== null &&
    typeof data.object === "object" &&
    data.object !== null
  );
}

/**
 * Applies one event (no signature check: callers are the verified webhook, demo payments and
 * `npm run stripe:reconcile`, which may pass synthetic events with ids starting "reconcile_").
 * Throws on our own failures; the transaction then rolls back, event row included.
 */
export async function processStripeEvent(db: Database, env: Env, event: Stripe.Event): Promise<ProcessResult> {
  const { result, goalCheck } = await applyStripeEvent(db, env, event);
  if (goalCheck) withGoal(result, await goalCheck);
  return result;
}

/** How the goal check after an event's commit went; never a rejection. */
interface GoalCheckOutcome {
  /** Set when this event's check funded the need. */
  note?: string;
  /**
   * The check failed. The event is counted and committed; failing it now would only make Stripe
   * re-send a duplicate, so the sweep settles the goal instead.
   */
  error?: unknown;
}

/** The event's transaction, then the goal check after its commit: started, not awaited. */
async function applyStripeEvent(db: Database, env: Env, event: Stripe.Event): Promise<{ result: ProcessResult; goalCheck?: Promise<GoalCheckOutcome> }> {
  const planned = plan(env, event);
  const { settleNeedId, recorded: _recorded, ...result } = await db.transaction().execute(async (trx): Promise<Handled> => {
    const record = { id: event.id, type: event.type, accountId: event.account ?? null, livemode: Boolean(event.livemode), created: event.created };
    if (!(await claimStripeEvent(trx, record, planned.lockKeys))) return { outcome: "duplicate", detail: "event already received" };
    const handled = await planned.apply(trx);
    if (handled.outcome !== "duplicate" && !handled.recorded) {
      await recordEventOutcome(trx, event.id, { outcome: handled.outcome, detail: handled.detail, donationId: handled.donationId });
    }
    return handled;
  });
  if (settleNeedId === undefined) return { result };
  // The goal after the commit (goal-checks.server.ts): the transaction above never waits for
  // the need's lock, so events about one need do not queue behind each other's goal checks.
  const goalCheck = checkGoalAfterCommit(db, settleNeedId, env.APP_URL, event.id).then(
    (goal): GoalCheckOutcome => (goal.funded && goal.eventId === event.id ? { note: `need funded, ${goal.notified} goal-met emails queued` } : {}),
    (error: unknown): GoalCheckOutcome => ({ error }),
  );
  return { result, goalCheck };
}

/** Adds a finished goal check to the event's result. */
function withGoal(result: ProcessResult, goal: GoalCheckOutcome): GoalCheckOutcome {
  if (goal.note) result.detail = `${result.detail}; ${goal.note}`;
  if (goal.error) result.goalCheckError = goal.error;
  return goal;
}

/**
 * A handler's result, the need whose goal to check after the commit, and whether the handler
 * already wrote the event's outcome (succeed does, in its last statement).
 */
type Handled = ProcessResult & { settleNeedId?: number; recorded?: boolean };

/**
 * What an event will do, worked out before its transaction: the payment keys to lock when it is
 * claimed (claimStripeEvent takes them in the claim's statement), and the handler to run then.
 */
interface Plan {
  lockKeys: string[];
  apply: (trx: Database) => Promise<Handled>;
}

const recordOnly = (handled: Handled): Plan => ({ lockKeys: [], apply: () => Promise.resolve(handled) });

function plan(env: Env, event: Stripe.Event): Plan {
  if (!HANDLED.has(event.type)) return recordOnly({ outcome: "ignored", detail: `event type ${event.type} is not handled` });
  const type = event.type as HandledType;
  // Signed, yet not the object Stripe documents: failing (500) would only make Stripe retry it
  // for days; parked, it is recorded once for someone to look at, and nothing is counted.
  const malformed = malformedObject(type, event.data.object as unknown as Record<string, unknown>);
  if (malformed) return recordOnly({ outcome: "parked", detail: `malformed ${type} object: ${malformed}` });
  switch (type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded":
    case "checkout.session.async_payment_failed":
    case "checkout.session.expired": {
      const session = event.data.object as Stripe.Checkout.Session;
      const paymentIntentId = idOf(session.payment_intent);
      // Session first, then PaymentIntent: every transaction takes these keys in this order.
      return {
        lockKeys: [`stripe:cs:${session.id}`, ...(paymentIntentId ? [`stripe:pi:${paymentIntentId}`] : [])],
        apply: (trx) => handleCheckoutSession(trx, env, event, session, paymentIntentId),
      };
    }
    case "charge.refunded":
      return factPlan(env, event, chargeFacts(event.data.object as Stripe.Charge, event.created));
    case "charge.refund.updated":
    case "refund.created":
    case "refund.updated":
    case "refund.failed":
      return factPlan(env, event, refundFacts(event.data.object as Stripe.Refund, event.created));
    case "charge.dispute.created":
    case "charge.dispute.updated":
    case "charge.dispute.closed":
    case "charge.dispute.funds_withdrawn":
    case "charge.dispute.funds_reinstated":
      return factPlan(env, event, disputeFacts(event.data.object as Stripe.Dispute, event.created));
    case "account.updated":
      return { lockKeys: [], apply: (trx) => handleAccountUpdated(trx, event, event.data.object as Stripe.Account) };
  }
}

function factPlan(env: Env, event: Stripe.Event, facts: PaymentFacts): Plan {
  return {
    lockKeys: facts.paymentIntentId ? [`stripe:pi:${facts.paymentIntentId}`] : [],
    apply: (trx) => handlePaymentFact(trx, env, event, facts),
  };
}

// ---- The object's shape -------------------------------------------------------------------

const isId = (value: unknown) => typeof value === "string" && value.length > 0 && value.length <= 255;
const isMinor = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
const isCurrencyCode = (value: unknown) => typeof value === "string" && /^[A-Za-z]{3}$/.test(value);
const isRef = (value: unknown) => value === null || value === undefined || isId(value) || (typeof value === "object" && isId((value as { id?: unknown }).id));

/**
 * What the handlers read from each object, checked before any of it reaches SQL: ids are
 * text, amounts whole non-negative minor units (a refund's positive), currencies ISO codes.
 * Returns why the object cannot be used, or null.
 */
function malformedObject(type: HandledType, object: Record<string, unknown>): string | null {
  if (!isId(object.id)) return "no id";
  switch (type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded":
    case "checkout.session.async_payment_failed":
    case "checkout.session.expired":
      if (object.amount_total !== null && object.amount_total !== undefined && !isMinor(object.amount_total)) return "amount_total is not whole minor units";
      if (object.currency !== null && object.currency !== undefined && !isCurrencyCode(object.currency)) return "currency is not an ISO code";
      return isRef(object.payment_intent) ? null : "payment_intent is not an id";
    case "charge.refunded": {
      if (!isCurrencyCode(object.currency)) return "currency is not an ISO code";
      if (!isMinor(object.amount_refunded)) return "amount_refunded is not whole minor units";
      if (!isRef(object.payment_intent)) return "payment_intent is not an id";
      const refunds = (object.refunds as { data?: unknown } | null | undefined)?.data ?? [];
      if (!Array.isArray(refunds)) return "refunds is not a list";
      for (const refund of refunds as Record<string, unknown>[]) {
        const problem = typeof refund === "object" && refund !== null ? malformedObject("refund.updated", refund) : "not an object";
        if (problem) return `embedded refund: ${problem}`;
      }
      return null;
    }
    case "charge.refund.updated":
    case "refund.created":
    case "refund.updated":
    case "refund.failed":
      if (!isCurrencyCode(object.currency)) return "currency is not an ISO code";
      if (!isMinor(object.amount) || object.amount === 0) return "amount is not a positive whole number of minor units";
      if (object.status !== null && object.status !== undefined && typeof object.status !== "string") return "status is not text";
      return isRef(object.payment_intent) && isRef(object.charge) ? null : "payment_intent or charge is not an id";
    case "charge.dispute.created":
    case "charge.dispute.updated":
    case "charge.dispute.closed":
    case "charge.dispute.funds_withdrawn":
    case "charge.dispute.funds_reinstated":
      if (!isCurrencyCode(object.currency)) return "currency is not an ISO code";
      if (!isMinor(object.amount)) return "amount is not whole minor units";
      if (typeof object.status !== "string") return "status is not text";
      return isRef(object.payment_intent) && isRef(object.charge) ? null : "payment_intent or charge is not an id";
    case "account.updated":
      return null;
  }
}

// ---- Checkout Sessions --------------------------------------------------------------------

/** Runs holding the advisory locks on the session and its PaymentIntent (taken by the claim). */
async function handleCheckoutSession(
  trx: Database,
  env: Env,
  event: Stripe.Event,
  session: Stripe.Checkout.Session,
  paymentIntentId: string | null,
): Promise<Handled> {
  let donation = await lockDonation(trx, { checkoutSessionId: session.id }, { paymentIntentId });
  if (!donation) {
    const named = donationIdFrom(session.metadata) ?? donationIdFrom({ donation_id: session.client_reference_id });
    if (named === null) return { outcome: "ignored", detail: `no donation for Checkout Session ${session.id}` };
    donation = await lockDonation(trx, { id: named }, { paymentIntentId });
    if (!donation) return { outcome: "parked", detail: `Checkout Session ${session.id} names donation ${named}, which does not exist` };
    if (donation.checkoutSessionId !== null) {
      return park(donation, `Checkout Session ${session.id} names donation ${donation.id}, which belongs to session ${donation.checkoutSessionId}`);
    }
  }
  const refusal = accountMismatch(event, donation);
  if (refusal) return park(donation, refusal);
  // The need is not locked: its goal is checked after the commit (goal-checks.server.ts).

  const completes = event.type === "checkout.session.completed" || event.type === "checkout.session.async_payment_succeeded";
  if (completes) {
    const charged = donation.amount + donation.feeCover;
    if (session.amount_total !== charged) {
      return park(donation, `amount_total ${String(session.amount_total)} differs from the donation's ${charged} (amount ${donation.amount} + fee cover ${donation.feeCover})`);
    }
    const currency = (session.currency ?? "").toUpperCase();
    if (currency !== donation.currency) return park(donation, `currency ${currency || "(none)"} differs from the donation's ${donation.currency}`);
    const conflict = paymentConflict(donation, paymentIntentId);
    if (conflict) return park(donation, conflict);
  }
  const ids: PaymentWrite = completes ? { checkoutSessionId: session.id, paymentIntentId } : {};

  switch (event.type) {
    case "checkout.session.completed":
      if (session.payment_status === "paid" || session.payment_status === "no_payment_required") {
        return succeed(trx, env, event, donation, ids);
      }
      await writePayment(trx, donation, ids);
      // A delayed method (konbini, bank transfer): async_payment_succeeded or _failed follows.
      return { outcome: "processed", detail: `completed, payment ${session.payment_status}: waiting for the delayed payment`, donationId: donation.id };
    case "checkout.session.async_payment_succeeded":
      return succeed(trx, env, event, donation, ids);
    case "checkout.session.async_payment_failed": {
      const failed = await markDonationUnpaid(trx, donation.id, "failed");
      return { outcome: "processed", detail: failed ? "delayed payment failed" : `delayed payment failed; donation stays ${donation.status}`, donationId: donation.id };
    }
    default: {
      const expired = await markDonationUnpaid(trx, donation.id, "expired");
      return { outcome: "processed", detail: expired ? "session expired unpaid" : `session expired; donation stays ${donation.status}`, donationId: donation.id };
    }
  }
}

/**
 * The money is taken: record the payment's ids and count it once (one UPDATE, which also
 * applies any refunds or disputes that arrived first, writes the event's outcome and queues
 * the receipt), subscribe a donor who asked for updates, and have the goal checked after the
 * commit.
 */
async function succeed(trx: Database, env: Env, event: Stripe.Event, donation: LedgerDonation, ids: PaymentWrite): Promise<Handled> {
  // Counting it re-derives its totals from the stored facts, as every change of them does.
  const plan = await planPayment(trx, donation, { ...ids, succeededAt: event.created, refreshTotals: donation.status !== "succeeded" });
  if (!plan.succeeds) {
    await applyPayment(trx, donation, plan);
    return { outcome: "processed", detail: "already succeeded", donationId: donation.id };
  }
  // What the UPDATE will store: succeeded_at stays if it was somehow set, else the event's time.
  const paidAt = donation.succeededAt ?? new Date(event.created * 1000);
  const receipt = receiptEmail(trx, donation, paidAt, env.APP_URL);
  // An address the outbox refuses gets no subscription either.
  if (receipt) await subscribeDonor(trx, donation);
  const refunded = plan.totals?.refundedAmount ?? donation.refundedAmount;
  const notes = [
    "succeeded",
    receipt ? "receipt queued" : "receipt NOT queued: the outbox refused the donor's address",
    refunded > 0 ? `refunded ${refunded} already` : null,
  ];
  const result = { outcome: "processed" as const, detail: notes.filter(Boolean).join("; "), donationId: donation.id };
  await applyPayment(trx, donation, plan, { outcome: { eventId: event.id, ...result }, email: receipt ?? undefined });
  return { ...result, recorded: true, settleNeedId: donation.needId };
}

// ---- Refunds, charges, disputes -----------------------------------------------------------

interface PaymentFacts {
  kind: "charge" | "refund" | "dispute";
  objectId: string;
  paymentIntentId: string | null;
  chargeId: string | null;
  /** Uppercase ISO code, as donations store it. */
  currency: string;
  /** A donation named in the object's metadata (charges carry the PaymentIntent's metadata). */
  namedDonationId: number | null;
  store: (trx: Database, paymentIntentId: string) => Promise<boolean>;
}

function chargeFacts(charge: Stripe.Charge, at: number): PaymentFacts {
  return {
    kind: "charge",
    objectId: charge.id,
    paymentIntentId: idOf(charge.payment_intent),
    chargeId: charge.id,
    currency: charge.currency.toUpperCase(),
    namedDonationId: donationIdFrom(charge.metadata),
    async store(trx, paymentIntentId) {
      let changed = await storeChargeRefundFact(trx, { paymentIntentId, amountRefunded: charge.amount_refunded, at });
      // NOTE: the pinned API version no longer embeds refunds in the charge; when a charge does
      // carry them (older versions, expanded objects), they are facts like any other.
      for (const refund of charge.refunds?.data ?? []) {
        if (refund.amount > 0) changed = (await storeRefundFact(trx, refundFact(refund, paymentIntentId, at))) || changed;
      }
      return changed;
    },
  };
}

function refundFact(refund: Stripe.Refund, paymentIntentId: string, at: number) {
  return {
    refundId: refund.id,
    paymentIntentId,
    amount: refund.amount,
    currency: refund.currency.toUpperCase(),
    status: refund.status ?? "pending",
    at,
  };
}

function refundFacts(refund: Stripe.Refund, at: number): PaymentFacts {
  const charge = typeof refund.charge === "object" && refund.charge !== null ? refund.charge : null;
  return {
    kind: "refund",
    objectId: refund.id,
    paymentIntentId: idOf(refund.payment_intent) ?? idOf(charge?.payment_intent),
    chargeId: idOf(refund.charge),
    currency: refund.currency.toUpperCase(),
    namedDonationId: donationIdFrom(charge?.metadata) ?? donationIdFrom(refund.metadata),
    store: (trx, paymentIntentId) => storeRefundFact(trx, refundFact(refund, paymentIntentId, at)),
  };
}

function disputeFacts(dispute: Stripe.Dispute, at: number): PaymentFacts {
  const charge = typeof dispute.charge === "object" && dispute.charge !== null ? dispute.charge : null;
  return {
    kind: "dispute",
    objectId: dispute.id,
    paymentIntentId: idOf(dispute.payment_intent) ?? idOf(charge?.payment_intent),
    chargeId: idOf(dispute.charge),
    currency: dispute.currency.toUpperCase(),
    namedDonationId: donationIdFrom(charge?.metadata) ?? donationIdFrom(dispute.metadata),
    store: (trx, paymentIntentId) =>
      storeDisputeFact(trx, {
        disputeId: dispute.id,
        paymentIntentId,
        amount: dispute.amount,
        currency: dispute.currency.toUpperCase(),
        status: dispute.status,
        at,
      }),
  };
}

/**
 * Refunds and disputes are facts about a PaymentIntent. They are stored even before any
 * donation knows that PaymentIntent (a refund can overtake the completion); the completion
 * then recomputes from them. When the donation is known, its cached totals are recomputed now.
 */
async function handlePaymentFact(trx: Database, env: Env, event: Stripe.Event, facts: PaymentFacts): Promise<Handled> {
  const paymentIntentId = facts.paymentIntentId;
  if (!paymentIntentId) return { outcome: "ignored", detail: `${facts.kind} ${facts.objectId} has no PaymentIntent: not a Checkout payment` };
  // The claim took the PaymentIntent's advisory lock.

  let donation = await lockDonation(trx, { paymentIntentId });
  if (!donation && facts.namedDonationId !== null) {
    donation = await lockDonation(trx, { id: facts.namedDonationId }, { paymentIntentId });
    if (!donation) return { outcome: "parked", detail: `${facts.kind} ${facts.objectId} names donation ${facts.namedDonationId}, which does not exist` };
  }
  if (donation) {
    const refusal =
      accountMismatch(event, donation) ??
      (facts.currency !== donation.currency ? `currency ${facts.currency} differs from the donation's ${donation.currency}` : null) ??
      paymentConflict(donation, paymentIntentId);
    if (refusal) return park(donation, refusal);
  }

  const stored = await facts.store(trx, paymentIntentId);
  if (!donation) {
    return {
      outcome: "processed",
      detail: `${facts.kind} ${facts.objectId} ${stored ? "stored" : "older than what is stored"}; no donation has PaymentIntent ${paymentIntentId} yet`,
    };
  }
  // The ids and the totals recomputed from every stored fact, this one included: one UPDATE.
  const { totalsChanged } = await writePayment(trx, donation, { paymentIntentId, chargeId: facts.chargeId, refreshTotals: true, factsStored: true });
  const detail = [
    `${facts.kind} ${facts.objectId} ${stored ? "stored" : "older than what is stored"}`,
    totalsChanged
      ? `refunded ${donation.refundedAmount}, disputed ${donation.disputedAmount}${donation.disputeStatus ? ` (${donation.disputeStatus})` : ""}`
      : "totals unchanged",
  ];
  return {
    outcome: "processed",
    detail: detail.join("; "),
    donationId: donation.id,
    // A refund that failed or a dispute that was won can raise the total back over the goal.
    settleNeedId: totalsChanged && donation.status === "succeeded" ? donation.needId : undefined,
  };
}

// ---- Connected accounts -------------------------------------------------------------------

async function handleAccountUpdated(trx: Database, event: Stripe.Event, account: Stripe.Account): Promise<ProcessResult> {
  const applied = await applyAccountSnapshot(trx, {
    accountId: account.id,
    chargesEnabled: Boolean(account.charges_enabled),
    payoutsEnabled: Boolean(account.payouts_enabled),
    detailsSubmitted: Boolean(account.details_submitted),
    at: event.created,
  });
  return applied
    ? { outcome: "processed", detail: `account ${account.id}: charges ${account.charges_enabled ? "enabled" : "disabled"}` }
    : { outcome: "ignored", detail: `account ${account.id}: no organisation holds it, or a newer snapshot is applied` };
}

// ---- Checks shared by the handlers ----------------------------------------------------------

/**
 * Donations are direct charges on the organisation's connected account, so their events come
 * from that account. An event from another account about our payment is not to be trusted.
 */
function accountMismatch(event: Stripe.Event, donation: LedgerDonation): string | null {
  if (donation.accountId === null) return null;
  const account = event.account ?? null;
  return account === donation.accountId ? null : `event from account ${account ?? "(platform)"}, but the donation was charged on ${donation.accountId}`;
}

/**
 * Why the event's PaymentIntent cannot be recorded on this donation, or null: the donation
 * knows another one, or it would learn one that another donation holds (lockDonation checked).
 */
function paymentConflict(donation: LedgerDonation, paymentIntentId: string | null): string | null {
  if (!paymentIntentId) return null;
  if (donation.paymentIntentId !== null && donation.paymentIntentId !== paymentIntentId) {
    return `PaymentIntent ${paymentIntentId} differs from the donation's ${donation.paymentIntentId}`;
  }
  if (donation.paymentIntentId === null && donation.paymentIntentTaken) return `PaymentIntent ${paymentIntentId} already belongs to another donation`;
  return null;
}

function park(donation: LedgerDonation, detail: string): Handled {
  return { outcome: "parked", detail, donationId: donation.id };
}

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (typeof value === "string") return value || null;
  return value?.id ?? null;
}

/** The donation id we put in metadata, if it is one: digits only, a safe positive integer. */
function donationIdFrom(metadata: Record<string, string | null | undefined> | null | undefined): number | null {
  const raw = metadata?.donation_id;
  if (typeof raw !== "string" || !/^[1-9]\d{0,15}$/.test(raw)) return null;
  const id = Number(raw);
  return Number.isSafeInteger(id) ? id : null;
}
