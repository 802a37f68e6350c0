import { createHmac } from "node:crypto";
import Stripe from "stripe";
import type { Env } from "~/env.server";

/**
 * The one place that builds a Stripe client and knows the webhook secrets.
 *
 * NOTE: the API version is pinned here, not taken from the account's dashboard default, so
 * an upgrade on Stripe's side cannot change the shape of objects under us.
 * https://docs.stripe.com/api/versioning
 */
export const STRIPE_API_VERSION = "2026-10-28.endive" as const;

/** Stripe's default: signatures older than five minutes are replays. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export type StripeClient = Stripe;
export type StripeEvent = Stripe.Event;

const clients = new WeakMap<Env, Stripe>();

/** The SDK client for real payments; null in demo mode (no key, or DEMO_PAYMENTS=1). */
export function stripeClient(env: Env): Stripe | null {
  if (env.paymentsMode !== "stripe" || !env.STRIPE_SECRET_KEY) return null;
  let client = clients.get(env);
  if (!client) {
    const api = env.STRIPE_API_URL ? new URL(env.STRIPE_API_URL) : null;
    client = new Stripe(env.STRIPE_SECRET_KEY, {
      apiVersion: STRIPE_API_VERSION,
      // The SDK retries network errors and 409/5xx with the same idempotency key: safe.
      maxNetworkRetries: 2,
      timeout: 20_000,
      appInfo: { name: "Tomoni" },
      ...(api
        ? {
            host: api.hostname,
            port: api.port || (api.protocol === "https:" ? 443 : 80),
            protocol: api.protocol === "https:" ? "https" : "http",
          }
        : {}),
    });
    clients.set(env, client);
  }
  return client;
}

/** Like stripeClient, for code that only runs with real payments. */
export function requireStripeClient(env: Env): Stripe {
  const client = stripeClient(env);
  if (!client) throw new Error("Stripe is not configured (demo payments are on)");
  return client;
}

export type WebhookEndpoint = "platform" | "connect" | "demo";

/**
 * The demo's signing secret. Derived from SESSION_SECRET when there is one, so a demo in
 * production (DEMO_PAYMENTS=1) cannot be fed events by anyone who read this source.
 */
export function demoWebhookSecret(env: Env): string {
  const key = env.SESSION_SECRET ?? "tomoni-development-only";
  return `whsec_demo_${createHmac("sha256", key).update("demo-webhook").digest("base64url")}`;
}

// Per parsed configuration: the list (and the demo secret's HMAC) was rebuilt for every event,
// about 3 % of the webhook's CPU.
const secretsOf = new WeakMap<Env, ReadonlyArray<{ endpoint: WebhookEndpoint; secret: string }>>();

/** Every secret a signature may be made with, in order of trial. */
export function webhookSecrets(env: Env): ReadonlyArray<{ endpoint: WebhookEndpoint; secret: string }> {
  let secrets = secretsOf.get(env);
  if (!secrets) secretsOf.set(env, (secrets = Object.freeze(listWebhookSecrets(env))));
  return secrets;
}

function listWebhookSecrets(env: Env): Array<{ endpoint: WebhookEndpoint; secret: string }> {
  const split = (value: string | undefined) =>
    (value ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  const secrets: Array<{ endpoint: WebhookEndpoint; secret: string }> = [
    ...split(env.STRIPE_WEBHOOK_SECRET).map((secret) => ({ endpoint: "platform" as const, secret })),
    ...split(env.STRIPE_CONNECT_WEBHOOK_SECRET).map((secret) => ({ endpoint: "connect" as const, secret })),
  ];
  if (env.paymentsMode === "demo") secrets.push({ endpoint: "demo", secret: demoWebhookSecret(env) });
  return secrets;
}

/**
 * Verifies a webhook's signature on the raw body against every configured secret and
 * returns the parsed event, or null when none matches (bad, stale or missing signature).
 */
export function verifyWebhook(env: Env, rawBody: string, signature: string | null, now?: number): { event: Stripe.Event; endpoint: WebhookEndpoint } | null {
  if (!signature) return null;
  for (const { endpoint, secret } of webhookSecrets(env)) {
    try {
      const event = Stripe.webhooks.constructEvent(rawBody, signature, secret, WEBHOOK_TOLERANCE_SECONDS, undefined, now);
      return { event, endpoint };
    } catch {
      // Try the next secret: during a roll two are valid.
    }
  }
  return null;
}

/** Signs a payload the way Stripe does; used by demo payments (and tests). */
export function signWebhookPayload(payload: string, secret: string, timestamp?: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}
