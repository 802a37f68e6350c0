import { createHash, randomBytes } from "node:crypto";
import Stripe from "stripe";
import type { AppContext } from "~/context";
import { disputeHoldsMoney } from "~/disputes";
import { getRefundTarget, refundRecorded, type RefundTarget } from "~/models/donation-reports.server";
import { deliverDemoEvent, demoEvent } from "./demo-events.server";
import { stripeClient } from "./stripe.server";
import type { HANDLED_EVENT_TYPES } from "./webhook.server";

/**
 * Organisers' refunds. We only ask Stripe for the refund; the webhook records what Stripe
 * did (refund.*, charge.refunded) and lowers the need's total. Nothing here writes
 * refunded_amount: a refund that Stripe later fails must never have been counted.
 */

export type RefundContext = Pick<AppContext, "db" | "env" | "logger">;

export interface RefundRequest {
  donationId: number;
  /** Minor units; full or partial, at most what is still refundable. */
  amount: number;
  /**
   * Random value rendered into the refund form. The idempotency key is built from it, so a
   * double click or a browser retry asks Stripe for the same refund, which Stripe makes once.
   */
  token: string;
  /** Refuse donations of any other organisation (the dashboard always passes it). */
  organisationId?: number;
}

export type RefundError = "not_found" | "not_succeeded" | "disputed" | "bad_amount" | "too_much" | "bad_token" | "stripe_error";

export type RefundResult =
  | { ok: true; mode: "stripe" | "demo"; refundId: string; status: string; refundable: number }
  | { ok: false; error: RefundError; refundable: number; stripeCode?: string };

/** Tokens are what refundToken() makes: anything else did not come from our form. */
const TOKEN = /^[A-Za-z0-9_-]{16,100}$/;

/** A fresh token for one rendering of the refund form. */
export function refundToken(): string {
  return randomBytes(18).toString("base64url");
}

/** The key Stripe deduplicates on: one refund per donation and form token. */
export function refundIdempotencyKey(donationId: number, token: string): string {
  return `refund:${donationId}:${token}`;
}

export async function refundDonation(context: RefundContext, request: RefundRequest): Promise<RefundResult> {
  const { db, env, logger } = context;
  const target = await getRefundTarget(db, request.donationId, request.organisationId);
  if (!target) return { ok: false, error: "not_found", refundable: 0 };
  const refundable = target.refundable;
  if (!TOKEN.test(request.token)) return { ok: false, error: "bad_token", refundable };
  if (target.status !== "succeeded" || !target.paymentIntentId) return { ok: false, error: "not_succeeded", refundable };
  const stripe = stripeClient(env);
  const demoRefundId = stripe ? null : demoRefundIdOf(target.donationId, request.token);
  // A repeat of a demo refund already made is that refund, even though less is refundable now.
  if (demoRefundId && (await refundRecorded(db, demoRefundId))) return { ok: true, mode: "demo", refundId: demoRefundId, status: "succeeded", refundable };
  if (disputeHoldsMoney(target.disputeStatus)) return { ok: false, error: "disputed", refundable };
  if (!Number.isSafeInteger(request.amount) || request.amount <= 0) return { ok: false, error: "bad_amount", refundable };
  if (request.amount > refundable) return { ok: false, error: "too_much", refundable };
  if (!stripe) return demoRefund(context, target, request.amount, demoRefundId!);

  try {
    const refund = await stripe.refunds.create(
      { payment_intent: target.paymentIntentId, amount: request.amount, metadata: { donation_id: String(target.donationId) } },
      {
        ...(target.accountId ? { stripeAccount: target.accountId } : {}),
        idempotencyKey: refundIdempotencyKey(target.donationId, request.token),
      },
    );
    logger.info({ donationId: target.donationId, refundId: refund.id, amount: request.amount, status: refund.status }, "refund requested");
    return { ok: true, mode: "stripe", refundId: refund.id, status: refund.status ?? "pending", refundable };
  } catch (error) {
    // Stripe said no (already refunded, disputed, idempotency conflict…) or could not be
    // reached after the SDK's retries: the organiser gets a message, not a 500.
    if (error instanceof Stripe.errors.StripeError) {
      logger.warn({ donationId: target.donationId, type: error.type, code: error.code, status: error.statusCode }, "refund refused by Stripe");
      return { ok: false, error: "stripe_error", refundable, stripeCode: error.code };
    }
    throw error;
  }
}

/** Stripe-like, and fixed by donation and form token: a double click is the same refund. */
function demoRefundIdOf(donationId: number, token: string): string {
  return `re_demo_${createHash("sha256").update(`${donationId}:${token}`).digest("hex").slice(0, 24)}`;
}

/** The refund event Stripe sends first; checked against the webhook's list by the compiler. */
const DEMO_REFUND_EVENT: (typeof HANDLED_EVENT_TYPES)[number] = "refund.created";

/**
 * Demo mode: build what Stripe would send for this refund — refund.created, then
 * charge.refunded with the charge's new cumulative amount_refunded — and deliver it to the
 * same webhook handler, which records the refund once by its id and lowers the total.
 */
async function demoRefund(context: RefundContext, target: RefundTarget, amount: number, refundId: string): Promise<RefundResult> {
  const paymentIntent = target.paymentIntentId!;
  const currency = target.currency.toLowerCase();
  const created = Math.floor(Date.now() / 1000);
  const charge = target.chargeId ?? `ch_demo_${createHash("sha256").update(paymentIntent).digest("hex").slice(0, 24)}`;
  const metadata = { donation_id: String(target.donationId) };
  const refund = {
    id: refundId,
    object: "refund",
    amount,
    balance_transaction: null,
    charge,
    created,
    currency,
    metadata,
    payment_intent: paymentIntent,
    reason: "requested_by_customer",
    status: "succeeded",
  };
  await deliverDemoEvent(context, demoEvent(DEMO_REFUND_EVENT, refund, target.accountId));

  const total = target.amount + target.feeCover;
  const amountRefunded = Math.min(target.refundedAmount + amount, total);
  const chargeObject = {
    id: charge,
    object: "charge",
    amount: total,
    amount_captured: total,
    amount_refunded: amountRefunded,
    captured: true,
    created,
    currency,
    metadata,
    paid: true,
    payment_intent: paymentIntent,
    refunded: amountRefunded >= total,
    status: "succeeded",
  };
  await deliverDemoEvent(context, demoEvent("charge.refunded", chargeObject, target.accountId));
  context.logger.info({ donationId: target.donationId, refundId, amount }, "demo refund delivered");
  return { ok: true, mode: "demo", refundId, status: "succeeded", refundable: target.refundable };
}
