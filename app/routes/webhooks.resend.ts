import type { ActionFunctionArgs } from "@remix-run/node";
import { handleResendWebhook } from "~/email/resend-webhook.server";

/** Resend's delivery events (bounces, complaints), signed with Svix. */
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return new Response("Method Not Allowed", { status: 405, headers: { Allow: "POST" } });
  return handleResendWebhook(request, { db: context.db, secret: context.env.RESEND_WEBHOOK_SECRET, logger: context.logger });
}

export async function loader() {
  return new Response("Method Not Allowed", { status: 405, headers: { Allow: "POST" } });
}
