import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import Stripe from "stripe";
import type { Database } from "~/db.server";
import { parseEnv, type Env } from "~/env.server";
import type { Locale } from "~/models/schema";
import { STRIPE_API_VERSION } from "~/payments/stripe.server";
import { createLogger } from "~/server/logger.server";

/**
 * Stripe-shaped test data for the webhook ledger: pending donations written directly (as the
 * checkout code would leave them), event objects shaped like Stripe's API fixtures
 * (../shared/specs/stripe-fixtures3.json), signatures made with the SDK's own test helper,
 * and a POST to the real HTTP stack.
 */

/** Two secrets per endpoint, as during a roll. */
export const PLATFORM_SECRETS = ["whsec_test_platform_old_0123456789", "whsec_test_platform_new_0123456789"] as const;
export const CONNECT_SECRETS = ["whsec_test_connect_old_0123456789", "whsec_test_connect_new_0123456789"] as const;

/** Real-payments configuration (no Stripe call is made by the webhook itself). */
export const STRIPE_TEST_ENV = {
  STRIPE_SECRET_KEY: "sk_test_ledger_0123456789",
  STRIPE_WEBHOOK_SECRET: PLATFORM_SECRETS.join(","),
  STRIPE_CONNECT_WEBHOOK_SECRET: CONNECT_SECRETS.join(","),
  APP_URL: "https://tomoni.example",
};

export function stripeTestContext(db: Database, extra: Record<string, string> = {}): { db: Database; env: Env; logger: ReturnType<typeof createLogger> } {
  const env = parseEnv({ NODE_ENV: "test", LOG_LEVEL: "silent", ...STRIPE_TEST_ENV, ...extra });
  return { db, env, logger: createLogger(env) };
}

const token = (bytes = 12) => randomBytes(bytes).toString("hex");

/** Stripe's `created` for test events: strictly increasing, so "newer" is well defined. */
let clock = Math.floor(Date.now() / 1000) - 100_000;
export function nextCreated(): number {
  clock += 1;
  return clock;
}

export function newAccountId(): string {
  return `acct_test${token(8)}`;
}

export interface PendingDonation {
  id: number;
  needId: number;
  amount: number;
  feeCover: number;
  currency: string;
  email: string;
  accountId: string | null;
  sessionId: string;
  /** The PaymentIntent Stripe will create for the session (the donation learns it from events). */
  paymentIntentId: string;
  chargeId: string;
}

/** A pending donation with its Checkout Session, as the donate form leaves it before payment. */
export async function createPendingDonation(
  db: Database,
  input: {
    needId: number;
    amount: number;
    feeCover?: number;
    currency?: string;
    email?: string;
    name?: string;
    showName?: boolean;
    locale?: Locale;
    updatesOptIn?: boolean;
    accountId?: string | null;
  },
): Promise<PendingDonation> {
  const sessionId = `cs_test_${token(20)}`;
  const email = input.email ?? `donor-${token(4)}@example.org`;
  const row = await db
    .insertInto("donations")
    .values({
      need_id: input.needId,
      amount: input.amount,
      fee_cover: input.feeCover ?? 0,
      currency: input.currency ?? "JPY",
      donor_name: input.name ?? "",
      donor_email: email,
      show_name: input.showName ?? false,
      locale: input.locale ?? "en",
      updates_opt_in: input.updatesOptIn ?? false,
      status: "pending",
      stripe_checkout_session_id: sessionId,
      stripe_account_id: input.accountId ?? null,
      submission_token: token(16),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return {
    id: row.id,
    needId: input.needId,
    amount: input.amount,
    feeCover: input.feeCover ?? 0,
    currency: input.currency ?? "JPY",
    email,
    accountId: input.accountId ?? null,
    sessionId,
    paymentIntentId: `pi_test${token(10)}`,
    chargeId: `ch_test${token(10)}`,
  };
}

/** Gives an organisation a connected account that can take charges. */
export async function connectOrganisation(db: Database, organisationId: number, accountId = newAccountId()): Promise<string> {
  await db.updateTable("organisations").set({ stripe_account_id: accountId, charges_enabled: true }).where("id", "=", organisationId).execute();
  return accountId;
}

type Obj = Record<string, unknown>;

/** A checkout.session as Stripe sends it for our Checkout flow (mode payment, ids-only metadata). */
export function checkoutSession(d: PendingDonation, overrides: Obj = {}): Obj {
  const created = nextCreated();
  const metadata = { donation_id: String(d.id), need_id: String(d.needId) };
  return {
    id: d.sessionId,
    object: "checkout.session",
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: d.amount + d.feeCover,
    amount_total: d.amount + d.feeCover,
    automatic_tax: { enabled: false, liability: null, status: null, provider: null },
    billing_address_collection: null,
    cancel_url: "https://tomoni.example/needs/fridge",
    client_reference_id: null,
    client_secret: null,
    created,
    currency: d.currency.toLowerCase(),
    customer: null,
    customer_creation: "if_required",
    customer_details: { address: null, email: d.email, name: null, phone: null, tax_exempt: "none", tax_ids: [] },
    customer_email: d.email,
    expires_at: created + 1800,
    invoice: null,
    livemode: false,
    locale: null,
    metadata,
    mode: "payment",
    payment_intent: d.paymentIntentId,
    payment_link: null,
    payment_method_collection: "if_required",
    payment_method_types: ["card"],
    payment_status: "paid",
    status: "complete",
    submit_type: "donate",
    subscription: null,
    success_url: "https://tomoni.example/donations/thanks?session_id={CHECKOUT_SESSION_ID}",
    ui_mode: "hosted",
    url: null,
    ...overrides,
  };
}

/** A charge with its cumulative amount_refunded (the pinned API version embeds no refunds). */
export function charge(d: PendingDonation, overrides: Obj = {}): Obj {
  const total = d.amount + d.feeCover;
  return {
    id: d.chargeId,
    object: "charge",
    amount: total,
    amount_captured: total,
    amount_refunded: 0,
    application_fee_amount: null,
    balance_transaction: `txn_test${token(8)}`,
    billing_details: { address: null, email: d.email, name: null, phone: null },
    captured: true,
    created: nextCreated(),
    currency: d.currency.toLowerCase(),
    customer: null,
    description: null,
    disputed: false,
    livemode: false,
    metadata: { donation_id: String(d.id), need_id: String(d.needId) },
    paid: true,
    payment_intent: d.paymentIntentId,
    payment_method: `pm_test${token(8)}`,
    refunded: false,
    status: "succeeded",
    ...overrides,
  };
}

export function refund(d: PendingDonation, overrides: Obj & { id?: string; amount: number; status: string }): Obj {
  return {
    id: `re_test${token(10)}`,
    object: "refund",
    balance_transaction: null,
    charge: d.chargeId,
    created: nextCreated(),
    currency: d.currency.toLowerCase(),
    destination_details: { card: { type: "refund" }, type: "card" },
    metadata: {},
    payment_intent: d.paymentIntentId,
    reason: "requested_by_customer",
    receipt_number: null,
    source_transfer_reversal: null,
    transfer_reversal: null,
    ...overrides,
  };
}

export function dispute(d: PendingDonation, overrides: Obj & { id: string; status: string }): Obj {
  return {
    object: "dispute",
    amount: d.amount + d.feeCover,
    balance_transactions: [],
    charge: d.chargeId,
    created: nextCreated(),
    currency: d.currency.toLowerCase(),
    evidence_details: { due_by: nextCreated() + 86_400 * 7, has_evidence: false, past_due: false, submission_count: 0 },
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: d.paymentIntentId,
    reason: "fraudulent",
    ...overrides,
  };
}

export function account(id: string, overrides: Obj = {}): Obj {
  return {
    id,
    object: "account",
    business_type: "non_profit",
    charges_enabled: true,
    country: "JP",
    default_currency: "jpy",
    details_submitted: true,
    payouts_enabled: true,
    type: "standard",
    ...overrides,
  };
}

/** An event envelope; `account` is set for events from a connected account. */
export function stripeEvent(type: string, object: Obj, options: { account?: string | null; created?: number; id?: string } = {}): Stripe.Event {
  return {
    id: options.id ?? `evt_test${token(12)}`,
    object: "event",
    api_version: STRIPE_API_VERSION,
    created: options.created ?? nextCreated(),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    ...(options.account ? { account: options.account } : {}),
  } as unknown as Stripe.Event;
}

/** The Stripe-Signature header for a payload, as Stripe computes it. */
export function signature(payload: string, secret: string, timestamp?: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

/** Serialises and signs an event the way Stripe delivers it to the Connect endpoint. */
export function signed(event: Stripe.Event, secret: string = CONNECT_SECRETS[0]): { payload: string; header: string } {
  const payload = JSON.stringify(event, null, 2);
  return { payload, header: signature(payload, secret) };
}

/** POSTs a payload to the webhook of a startTestApp server. */
export async function postStripeWebhook(appUrl: string, payload: string, header: string | null): Promise<{ status: number; body: string }> {
  const res = await fetch(`${appUrl}/webhooks/stripe`, {
    method: "POST",
    headers: { "Content-Type": "application/json; charset=utf-8", ...(header === null ? {} : { "Stripe-Signature": header }) },
    body: payload,
  });
  return { status: res.status, body: await res.text() };
}

/** Signs an event and POSTs it. */
export async function deliverOverHttp(appUrl: string, event: Stripe.Event, secret?: string) {
  const { payload, header } = signed(event, secret);
  return postStripeWebhook(appUrl, payload, header);
}

/** Row counts of every table a webhook can write: "no writes" compares two of these. */
export async function ledgerSnapshot(db: Database) {
  const count = async (table: string) => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db)).rows[0]!.n);
  const donations = await db.selectFrom("donations").select(["id", "status", "refunded_amount", "disputed_amount", "stripe_payment_intent_id", "updated_at"]).orderBy("id").execute();
  const needs = await db.selectFrom("needs").select(["id", "status", "updated_at"]).orderBy("id").execute();
  return {
    stripe_events: await count("stripe_events"),
    payment_refunds: await count("payment_refunds"),
    payment_disputes: await count("payment_disputes"),
    payment_charge_refunds: await count("payment_charge_refunds"),
    goal_met_notifications: await count("goal_met_notifications"),
    outbox_emails: await count("outbox_emails"),
    subscriptions: await count("subscriptions"),
    donations,
    needs,
  };
}
