import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveStripeWebhook } from "~/payments/webhook.server";

/**
 * Stripe's events for the platform and the connected accounts. The signature covers the exact
 * bytes sent, so the body is read as raw text and never re-serialised before verification.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed();
  const rawBody = await request.text();
  const result = await receiveStripeWebhook(context, rawBody, request.headers.get("stripe-signature"));
  return new Response(result.body, { status: result.status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });
}

export async function loader() {
  return methodNotAllowed();
}

function methodNotAllowed() {
  return new Response("Method Not Allowed", { status: 405, headers: { Allow: "POST" } });
}
