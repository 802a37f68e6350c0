import Stripe from "stripe";
import type { AppContext } from "~/context";
import {
  applyAccountSnapshot,
  attachStripeAccount,
  getPaymentsStatus,
  type AccountSnapshot,
  type PaymentsStatus,
} from "~/models/stripe-accounts.server";
import { deliverDemoEvent, demoEvent, demoId } from "./demo-events.server";
import { requireStripeClient } from "./stripe.server";

/**
 * Stripe Connect onboarding: each organisation connects an account of its own, and donations
 * are direct charges on it (the organisation is the merchant of record; money never sits
 * with the platform).
 *
 * Real mode: the account is created once per organisation, then the owner is sent to an
 * Account Link (Stripe-hosted onboarding). account.updated webhooks keep charges_enabled in
 * sync; on return we also retrieve the account, so the owner sees the result at once.
 *
 * Demo mode: the account id is made up, the "onboarding" is a page of ours, and completing it
 * sends a signed account.updated event through the same webhook handler as Stripe's.
 */

export type ConnectContext = Pick<AppContext, "db" | "env" | "logger">;

export interface ConnectOrganisation {
  id: number;
  slug: string;
}

/**
 * The connected account's configuration, with controller properties rather than the legacy
 * `type: "standard"`: Stripe recommends controller properties for new integrations
 * (https://docs.stripe.com/connect/migrate-to-controller-properties) and these four values are
 * exactly what a Standard account is. The organisation gets the full Stripe Dashboard, pays
 * its own Stripe fees, and Stripe (not Tomoni) collects its requirements and carries
 * negative-balance losses — which suits direct charges, where the organisation is the merchant.
 * NOTE: these parameters are part of the idempotent request; changing them makes Stripe refuse
 * a retry under the same key within its 24-hour window (https://docs.stripe.com/api/idempotent_requests).
 */
export const CONNECTED_ACCOUNT_CONTROLLER = {
  stripe_dashboard: { type: "full" },
  fees: { payer: "account" },
  losses: { payments: "stripe" },
  requirement_collection: "stripe",
} as const satisfies Stripe.AccountCreateParams.Controller;

/** Stripe could not be reached or refused the request; nothing of ours was changed. */
export class StripeUnavailableError extends Error {
  constructor(cause: unknown) {
    super("Stripe request failed", { cause });
    this.name = "StripeUnavailableError";
  }
}

export const paymentsPath = (slug: string) => `/dashboard/${slug}/payments`;
export const demoOnboardingPath = (slug: string) => `${paymentsPath(slug)}/demo-onboarding`;

/** What an account says about taking charges, as a snapshot for applyAccountSnapshot. */
export function snapshotOfAccount(
  account: Pick<Stripe.Account, "id" | "charges_enabled" | "payouts_enabled" | "details_submitted">,
  at: number
): AccountSnapshot {
  return {
    accountId: account.id,
    chargesEnabled: account.charges_enabled === true,
    payoutsEnabled: account.payouts_enabled === true,
    detailsSubmitted: account.details_submitted === true,
    at,
  };
}

async function callStripe<T>(context: ConnectContext, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) {
      context.logger.warn(
        { err: { type: error.type, code: error.code, statusCode: error.statusCode, requestId: error.requestId }, what },
        "stripe request failed"
      );
      throw new StripeUnavailableError(error);
    }
    throw error;
  }
}

/**
 * The organisation's connected account id, creating the account on first use. The
 * idempotency key is the organisation: a double click, two owners at once, or a retry after
 * we crashed between Stripe's answer and our write all get the same account back from
 * Stripe, and attachStripeAccount keeps whichever id was stored first.
 */
export async function ensureConnectedAccount(context: ConnectContext, organisationId: number): Promise<string> {
  const status = await getPaymentsStatus(context.db, organisationId);
  if (!status) throw new Error(`Organisation ${organisationId} does not exist`);
  if (status.accountId) return status.accountId;
  if (context.env.paymentsMode === "demo") return attachStripeAccount(context.db, organisationId, demoId("acct"));

  const stripe = requireStripeClient(context.env);
  const account = await callStripe(context, "accounts.create", () =>
    stripe.accounts.create(
      { controller: CONNECTED_ACCOUNT_CONTROLLER, metadata: { organisation_id: String(organisationId) } },
      { idempotencyKey: `connect-account:${organisationId}` }
    )
  );
  const stored = await attachStripeAccount(context.db, organisationId, account.id);
  if (stored !== account.id) {
    // Only possible once Stripe's idempotency window has passed: an orphaned account to clean up by hand.
    context.logger.warn({ organisationId, created: account.id, stored }, "connected account created but another was already stored");
  }
  return stored;
}

/**
 * Where to send an owner to (continue to) onboard: a fresh Account Link in real mode (links
 * are single-use and expire within minutes, so one is made per click), our demo page otherwise.
 */
export async function onboardingUrl(context: ConnectContext, organisation: ConnectOrganisation): Promise<string> {
  const accountId = await ensureConnectedAccount(context, organisation.id);
  if (context.env.paymentsMode === "demo") return demoOnboardingPath(organisation.slug);
  const stripe = requireStripeClient(context.env);
  const base = context.env.APP_URL;
  const link = await callStripe(context, "accountLinks.create", () =>
    stripe.accountLinks.create({
      account: accountId,
      type: "account_onboarding",
      // Stripe sends the owner here when the link has expired or was used: it makes a new one.
      refresh_url: `${base}${paymentsPath(organisation.slug)}/refresh`,
      return_url: `${base}${paymentsPath(organisation.slug)}?from=stripe`,
    })
  );
  return link.url;
}

/**
 * Reads the account from Stripe and stores what it says, for the owner returning from
 * onboarding (webhooks may take a moment). The snapshot is dated now: any account.updated
 * created before this retrieve is older than what we just read.
 */
export async function syncConnectedAccount(context: ConnectContext, organisationId: number, now = Date.now()): Promise<PaymentsStatus | undefined> {
  const status = await getPaymentsStatus(context.db, organisationId);
  if (!status?.accountId || context.env.paymentsMode !== "stripe") return status;
  const stripe = requireStripeClient(context.env);
  const accountId = status.accountId;
  const account = await callStripe(context, "accounts.retrieve", () => stripe.accounts.retrieve(accountId));
  await applyAccountSnapshot(context.db, snapshotOfAccount(account, Math.floor(now / 1000)));
  return getPaymentsStatus(context.db, organisationId);
}

/** A Stripe-shaped account, as an account.updated event carries it, that has finished onboarding. */
export function demoCompletedAccount(accountId: string, organisationId: number): Record<string, unknown> {
  return {
    id: accountId,
    object: "account",
    business_type: "non_profit",
    capabilities: { card_payments: "active", transfers: "active" },
    charges_enabled: true,
    payouts_enabled: true,
    details_submitted: true,
    controller: { type: "account", is_controller: true, ...CONNECTED_ACCOUNT_CONTROLLER },
    country: "JP",
    default_currency: "jpy",
    created: Math.floor(Date.now() / 1000),
    metadata: { organisation_id: String(organisationId) },
    requirements: {
      alternatives: [],
      current_deadline: null,
      currently_due: [],
      disabled_reason: null,
      errors: [],
      eventually_due: [],
      past_due: [],
      pending_verification: [],
    },
    type: "standard",
  };
}

/**
 * Demo onboarding's "Complete onboarding": an account.updated event for the organisation's
 * demo account, signed and delivered to the webhook handler like one from Stripe.
 * Returns false if the organisation has not started onboarding (no account yet).
 */
export async function completeDemoOnboarding(context: ConnectContext, organisationId: number): Promise<boolean> {
  if (context.env.paymentsMode !== "demo") throw new Error("Demo onboarding is only available with demo payments");
  const status = await getPaymentsStatus(context.db, organisationId);
  if (!status?.accountId) return false;
  await deliverDemoEvent(context, demoEvent("account.updated", demoCompletedAccount(status.accountId, organisationId), status.accountId));
  return true;
}
