import { randomBytes } from "node:crypto";
import type { AppContext } from "~/context";
import { demoWebhookSecret, signWebhookPayload, STRIPE_API_VERSION, type StripeEvent } from "./stripe.server";
import { receiveStripeWebhook, type WebhookResult } from "./webhook.server";

/**
 * Demo payments speak Stripe's language: every simulated payment, refund or onboarding step
 * becomes a Stripe-shaped event, signed with the demo secret and handed to the very handler
 * that real webhooks reach. Nothing about counting money differs between demo and Stripe.
 */

export type DemoContext = Pick<AppContext, "db" | "env" | "logger">;

export function demoId(prefix: string): string {
  return `${prefix}_demo_${randomBytes(12).toString("hex")}`;
}

/** A Stripe event envelope around `object`, as Stripe would send it for a connected account. */
export function demoEvent(type: string, object: Record<string, unknown>, account: string | null): StripeEvent {
  return {
    id: demoId("evt"),
    object: "event",
    api_version: STRIPE_API_VERSION,
    created: Math.floor(Date.now() / 1000),
    type,
    account: account ?? undefined,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object },
  } as unknown as StripeEvent;
}

/** Signs the event and delivers it to the webhook handler, exactly as a POST from Stripe would arrive. */
export async function deliverDemoEvent(context: DemoContext, event: StripeEvent): Promise<WebhookResult> {
  if (context.env.paymentsMode !== "demo") throw new Error("Demo events are only delivered in demo mode");
  const payload = JSON.stringify(event);
  const signature = signWebhookPayload(payload, demoWebhookSecret(context.env));
  const result = await receiveStripeWebhook(context, payload, signature);
  if (result.status !== 200) throw new Error(`Demo event ${event.type} was refused: ${result.status} ${result.body}`);
  return result;
}
