import Stripe from "stripe";
import type { DonateFormData } from "~/components/DonateForm";
import type { AppContext } from "~/context";
import type { Env } from "~/env.server";
import type { DonationInput } from "~/forms/donation.server";
import { submissionKey } from "~/forms/submission.server";
import { translator, type Locale } from "~/locales";
import {
  acceptsDonations,
  attachCheckoutSession,
  createPendingDonation,
  type CheckoutSessionRef,
  type DonationRecord,
  type DonationTarget,
} from "~/models/donations.server";
import type { NeedDetail } from "~/models/needs.server";
import { demoId } from "./demo-events.server";
import { requireStripeClient } from "./stripe.server";

/**
 * From a submitted donate form to a Checkout Session: one pending donation per submission,
 * one session per donation. Real payments are direct charges on the organisation's
 * connected account (it is the merchant of record; the money never sits with the
 * platform). Demo payments make a session of our own that the built-in checkout page serves.
 */

export type CheckoutContext = Pick<AppContext, "db" | "env" | "logger">;

/** How long a demo session stays open: Stripe's default for Checkout is 24 hours. */
const DEMO_SESSION_SECONDS = 24 * 60 * 60;

/** The donation's submission key (forms/submission.server.ts): the same form sent twice is the same donation. */
export function donationSubmissionKey(token: string, needId: number, input: DonationInput): string {
  return submissionKey(token, [
    needId,
    input.amount,
    input.feeCover,
    input.itemId,
    input.donorName,
    input.showName,
    input.message,
    input.email.toLowerCase(),
    input.updatesOptIn,
  ]);
}

/** Where Stripe sends the donor after paying: `{CHECKOUT_SESSION_ID}` is Stripe's own placeholder, kept literal. */
export function thanksPath(needSlug: string, sessionId: string): string {
  return `/needs/${needSlug}/thanks?session_id=${sessionId}`;
}

export function needPath(needSlug: string): string {
  return `/needs/${needSlug}`;
}

/** The page to return to from Checkout without paying; the need page says nothing was charged. */
export function cancelPath(needSlug: string): string {
  return `${needPath(needSlug)}?checkout=cancelled#donate`;
}

/**
 * The Checkout Session's parameters. Amounts go to Stripe exactly as stored, in minor units
 * (¥500 → 500, $12.50 → 1250): the currency table already made them integers in the currency's
 * own exponent, so nothing here multiplies or divides. Metadata carries ids only: names and
 * addresses have no business in Stripe's dashboard search.
 */
export function checkoutSessionParams(env: Pick<Env, "APP_URL">, donation: DonationRecord): Stripe.Checkout.SessionCreateParams {
  const t = translator(donation.locale);
  const currency = donation.currency.toLowerCase();
  const metadata = { donation_id: String(donation.id), need_id: String(donation.needId) };
  const lineItems: Stripe.Checkout.SessionCreateParams.LineItem[] = [
    {
      quantity: 1,
      price_data: {
        currency,
        unit_amount: donation.amount,
        product_data: {
          name: donation.itemName
            ? t("donate.checkout.lineItemFor", { need: donation.needTitle, item: donation.itemName })
            : t("donate.checkout.lineItem", { need: donation.needTitle }),
        },
      },
    },
  ];
  if (donation.feeCover > 0) {
    // Its own line, so the donor sees exactly what was added and why.
    lineItems.push({
      quantity: 1,
      price_data: { currency, unit_amount: donation.feeCover, product_data: { name: t("donate.checkout.feeLine") } },
    });
  }
  return {
    mode: "payment",
    submit_type: "donate",
    line_items: lineItems,
    customer_email: donation.donorEmail,
    locale: stripeLocale(donation.locale),
    metadata,
    payment_intent_data: {
      metadata,
      ...(donation.applicationFee > 0 ? { application_fee_amount: donation.applicationFee } : {}),
    },
    success_url: `${env.APP_URL}${thanksPath(donation.needSlug, "{CHECKOUT_SESSION_ID}")}`,
    cancel_url: `${env.APP_URL}${cancelPath(donation.needSlug)}`,
  };
}

function stripeLocale(locale: Locale): Stripe.Checkout.SessionCreateParams.Locale {
  return locale === "ja" ? "ja" : "en";
}

export class CheckoutUnavailableError extends Error {
  constructor(cause: unknown) {
    super("Stripe could not create the Checkout Session", { cause });
    this.name = "CheckoutUnavailableError";
  }
}

/**
 * Creates the donation's Checkout Session and stores it. NOTE: the idempotency key is derived
 * from the donation, so a retry (ours, or the SDK's own on a network error) gets the session
 * Stripe already made instead of a second one; Stripe keeps keys for 24 hours, as long as a
 * session stays open. https://docs.stripe.com/api/idempotent_requests
 */
export async function createCheckoutSession(context: CheckoutContext, donation: DonationRecord): Promise<CheckoutSessionRef> {
  const { env, db, logger } = context;
  let session: CheckoutSessionRef;
  if (env.paymentsMode === "demo") {
    const id = demoId("cs");
    session = { id, url: `/checkout/demo/${id}`, expiresAt: new Date(Date.now() + DEMO_SESSION_SECONDS * 1000) };
  } else {
    if (!donation.stripeAccountId) throw new Error(`Donation ${donation.id} has no connected account`);
    const stripe = requireStripeClient(env);
    let created: Stripe.Checkout.Session;
    try {
      created = await stripe.checkout.sessions.create(checkoutSessionParams(env, donation), {
        stripeAccount: donation.stripeAccountId,
        idempotencyKey: `checkout-session:${donation.id}`,
      });
    } catch (error) {
      if (error instanceof Stripe.errors.StripeError) {
        logger.warn({ donationId: donation.id, type: error.type, code: error.code, status: error.statusCode }, "Stripe refused to create a Checkout Session");
        throw new CheckoutUnavailableError(error);
      }
      throw error;
    }
    if (!created.url) throw new Error(`Checkout Session ${created.id} has no url`);
    session = { id: created.id, url: created.url, expiresAt: new Date(created.expires_at * 1000) };
  }
  const stored = await attachCheckoutSession(db, donation.id, session);
  logger.info({ donationId: donation.id, sessionId: stored.id, mode: env.paymentsMode }, "checkout session ready");
  return stored;
}

export type CheckoutRedirect =
  | { kind: "redirect"; url: string }
  /** The form's donation is over (paid elsewhere, failed or its session expired): start again. */
  | { kind: "stale" }
  | { kind: "not_accepting" }
  | { kind: "invalid_item" };

/**
 * Where a donor goes for this donation: its open session if it has one (a double submit
 * never creates a second), a new session if it has none, the thank-you page if it is
 * already paid.
 */
export async function checkoutFor(context: CheckoutContext, donation: DonationRecord, now = new Date()): Promise<CheckoutRedirect> {
  if (donation.status === "succeeded" && donation.checkoutSessionId) {
    return { kind: "redirect", url: thanksPath(donation.needSlug, donation.checkoutSessionId) };
  }
  if (donation.status !== "pending") return { kind: "stale" };
  if (donation.checkoutSessionId && donation.checkoutUrl && donation.checkoutExpiresAt) {
    return donation.checkoutExpiresAt > now ? { kind: "redirect", url: donation.checkoutUrl } : { kind: "stale" };
  }
  const session = await createCheckoutSession(context, donation);
  return session.expiresAt > now ? { kind: "redirect", url: session.url } : { kind: "stale" };
}

/** The donate form's action, after parsing: the pending donation, then its checkout. */
export async function startDonation(
  context: CheckoutContext,
  target: DonationTarget,
  input: DonationInput,
  locale: Locale,
): Promise<CheckoutRedirect> {
  const result = await createPendingDonation(context.db, {
    needId: target.needId,
    itemId: input.itemId,
    amount: input.amount,
    feeCover: input.feeCover,
    applicationFee: input.applicationFee,
    donorName: input.donorName,
    showName: input.showName,
    message: input.message,
    email: input.email,
    updatesOptIn: input.updatesOptIn,
    locale,
    submissionKey: donationSubmissionKey(input.token, target.needId, input),
  });
  if (!result.ok) return { kind: result.reason };
  return checkoutFor(context, result.donation);
}

/**
 * Card testing (bots trying stolen cards through a donate form) shows up as many checkouts
 * from one address; ten an address per ten minutes is far more than a person gives.
 */
export const DONATE_RATE_LIMIT = { limit: 10, windowSeconds: 10 * 60 } as const;

/** The organisation's own platform fee if it has one (0 is "none"), else the platform's default (PLATFORM_FEE_BPS, 0 unless set). */
export function platformFeeBps(organisation: { platformFeeBps: number | null }, env: Pick<Env, "PLATFORM_FEE_BPS">): number {
  return organisation.platformFeeBps ?? env.PLATFORM_FEE_BPS;
}

/** What the need page's donate form needs, besides the need itself. */
export function donateFormData(
  need: Pick<NeedDetail, "slug" | "currency" | "surplusPolicy" | "organisation" | "items">,
  target: DonationTarget,
  env: Pick<Env, "PLATFORM_FEE_BPS">,
  url: URL,
  /** The response's one-time token (AppContext.formToken). */
  token: string,
): { accepting: boolean; form: DonateFormData } {
  return {
    accepting: acceptsDonations(target),
    form: {
      needSlug: need.slug,
      currency: need.currency,
      token,
      // Only items a gift can still help with: substituted ones left the goal, funded ones are done.
      items: need.items
        .filter((item) => item.substitutedById === null && target.itemIds.includes(item.id) && item.funded < item.total)
        .map((item) => ({ id: item.id, name: item.name, remaining: item.total - item.funded })),
      platformFeeBps: platformFeeBps(target.organisation, env),
      organisationName: need.organisation.name,
      surplusPolicy: need.surplusPolicy,
      cancelled: url.searchParams.get("checkout") === "cancelled",
    },
  };
}
