import type { Env } from "~/env.server";
import type { DonationRecord } from "~/models/donations.server";
import { cancelPath, thanksPath } from "./checkout.server";
import { deliverDemoEvent, demoEvent, type DemoContext } from "./demo-events.server";

/**
 * The built-in checkout of demo payments (no STRIPE_SECRET_KEY, or DEMO_PAYMENTS=1). It plays
 * Stripe's part: what the donor chooses becomes the Checkout Session events Stripe would send,
 * signed and handed to the real webhook handler. It never writes a donation itself, so demo
 * money is counted by exactly the code that counts real money.
 */

/** Where a demo session stands, read from the donation the webhook handler keeps. */
export type DemoStage = "open" | "awaiting" | "succeeded" | "failed" | "expired";

export type DemoAction = "pay" | "later" | "decline" | "arrives" | "fails";
export const DEMO_ACTIONS: readonly DemoAction[] = ["pay", "later", "decline", "arrives", "fails"];

export function isDemoAction(value: unknown): value is DemoAction {
  return typeof value === "string" && (DEMO_ACTIONS as readonly string[]).includes(value);
}

export function demoStage(donation: DonationRecord, now = new Date()): DemoStage {
  if (donation.status !== "pending") return donation.status;
  // checkout.session.completed with payment_status "unpaid" recorded the PaymentIntent: a
  // delayed payment is on its way.
  if (donation.paymentIntentId) return "awaiting";
  if (donation.checkoutExpiresAt && donation.checkoutExpiresAt <= now) return "expired";
  return "open";
}

/**
 * The session's PaymentIntent. Derived from the session id rather than drawn afresh, so
 * pressing "pay" twice describes one payment (as it would on Stripe), not two.
 */
export function demoPaymentIntentId(sessionId: string): string {
  return `pi_${sessionId.replace(/^cs_/, "")}`;
}

/** A checkout.session object shaped like Stripe's (see Stripe's API fixtures), for a demo donation. */
export function demoSessionObject(
  donation: DonationRecord,
  env: Pick<Env, "APP_URL">,
  state: { status: "open" | "complete" | "expired"; paymentStatus: "paid" | "unpaid"; delayed?: boolean },
): Record<string, unknown> {
  const sessionId = donation.checkoutSessionId!;
  const total = donation.amount + donation.feeCover;
  const metadata = { donation_id: String(donation.id), need_id: String(donation.needId) };
  return {
    id: sessionId,
    object: "checkout.session",
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: total,
    amount_total: total,
    automatic_tax: { enabled: false, liability: null, status: null, provider: null },
    billing_address_collection: null,
    cancel_url: `${env.APP_URL}${cancelPath(donation.needSlug)}`,
    client_reference_id: null,
    client_secret: null,
    consent: null,
    consent_collection: null,
    created: Math.floor(donation.createdAt.getTime() / 1000),
    currency: donation.currency.toLowerCase(),
    custom_fields: [],
    customer: null,
    customer_creation: "if_required",
    customer_details:
      state.status === "complete"
        ? { address: null, email: donation.donorEmail, name: donation.donorName || null, phone: null, tax_exempt: "none", tax_ids: [] }
        : null,
    customer_email: donation.donorEmail,
    expires_at: Math.floor((donation.checkoutExpiresAt ?? new Date()).getTime() / 1000),
    invoice: null,
    livemode: false,
    locale: donation.locale,
    metadata,
    mode: "payment",
    payment_intent: state.status === "complete" ? demoPaymentIntentId(sessionId) : null,
    payment_link: null,
    payment_method_types: state.delayed ? ["konbini"] : ["card"],
    payment_status: state.paymentStatus,
    status: state.status,
    submit_type: "donate",
    subscription: null,
    success_url: `${env.APP_URL}${thanksPath(donation.needSlug, "{CHECKOUT_SESSION_ID}")}`,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: "hosted",
    url: null,
  };
}

export type DemoResult =
  | { kind: "redirect"; to: string }
  /** Like Stripe's page after a declined card: nothing happened, the donor may try again. */
  | { kind: "declined" };

/**
 * One choice on the demo page. Each is only possible at its stage (pay at "open", the
 * delayed outcome at "awaiting"); anything else just shows the page again, which by then
 * tells where the payment stands.
 */
export async function runDemoCheckout(context: DemoContext, donation: DonationRecord, action: DemoAction, now = new Date()): Promise<DemoResult> {
  const sessionId = donation.checkoutSessionId;
  if (!sessionId || !donation.stripeAccountId) throw new Error(`Donation ${donation.id} has no demo session or account`);
  const account = donation.stripeAccountId;
  const here = `/checkout/demo/${sessionId}`;
  const thanks = thanksPath(donation.needSlug, sessionId);
  const stage = demoStage(donation, now);
  const emit = (type: string, state: Parameters<typeof demoSessionObject>[2]) =>
    deliverDemoEvent(context, demoEvent(type, demoSessionObject(donation, context.env, state), account));

  if (stage === "expired" && donation.status === "pending") {
    // Stripe expires an unpaid session after 24 hours and says so: so does the demo.
    await emit("checkout.session.expired", { status: "expired", paymentStatus: "unpaid" });
    return { kind: "redirect", to: here };
  }
  if (stage === "open") {
    switch (action) {
      case "pay":
        await emit("checkout.session.completed", { status: "complete", paymentStatus: "paid" });
        return { kind: "redirect", to: thanks };
      case "later":
        await emit("checkout.session.completed", { status: "complete", paymentStatus: "unpaid", delayed: true });
        return { kind: "redirect", to: here };
      case "decline":
        return { kind: "declined" };
      default:
        return { kind: "redirect", to: here };
    }
  }
  if (stage === "awaiting" && (action === "arrives" || action === "fails")) {
    const type = action === "arrives" ? "checkout.session.async_payment_succeeded" : "checkout.session.async_payment_failed";
    await emit(type, { status: "complete", paymentStatus: action === "arrives" ? "paid" : "unpaid", delayed: true });
    return { kind: "redirect", to: thanks };
  }
  return { kind: "redirect", to: stage === "awaiting" ? here : thanks };
}
