import type { Logger } from "pino";
import { Resend } from "resend";
import { z } from "zod";
import type { Database } from "~/db.server";
import { recordResendEvent } from "~/models/resend-events.server";
import { addSuppression } from "~/models/suppressions.server";
import { maskEmail } from "~/server/logger.server";

/**
 * POST /webhooks/resend. Resend signs its webhooks with Svix (Standard Webhooks): an HMAC over
 * `${svix-id}.${svix-timestamp}.${raw body}`. We verify on the raw text, never on re-serialised
 * JSON, and write nothing unless the signature holds.
 * NOTE: https://resend.com/docs/dashboard/webhooks/verify-webhooks-requests
 */

// verify() needs no API key and makes no request; the constructor merely insists on a key.
const verifier = new Resend("re_webhook_verification_only");

/** Bounces (Resend: "permanently rejected") and complaints stop all mail to the address. */
const SUPPRESSING = { "email.bounced": "bounced", "email.complained": "complained" } as const;

const eventShape = z.object({
  type: z.string().min(1),
  data: z.object({ to: z.union([z.array(z.string()), z.string()]).optional() }).optional(),
});

/** "Name <a@b.example>" or "a@b.example" → the address, or null if it cannot be one. */
export function addressOf(recipient: string): string | null {
  const address = (/<([^<>]*)>\s*$/.exec(recipient)?.[1] ?? recipient).trim();
  return address.length >= 3 && address.length <= 254 && /^[^\s@]+@[^\s@]+$/.test(address) ? address : null;
}

export async function handleResendWebhook(
  request: Request,
  { db, secret, logger }: { db: Database; secret: string | undefined; logger: Logger },
): Promise<Response> {
  if (!secret) {
    // Our misconfiguration, not the sender's: 5xx makes Resend retry once it is fixed.
    logger.error("RESEND_WEBHOOK_SECRET is not set: cannot verify Resend webhooks");
    return Response.json({ error: "webhook secret not configured" }, { status: 500 });
  }
  const payload = await request.text();
  const header = (name: string) => request.headers.get(`svix-${name}`) ?? request.headers.get(`webhook-${name}`) ?? "";
  const svixId = header("id");

  let verified: unknown;
  try {
    verified = verifier.webhooks.verify({
      payload,
      headers: { id: svixId, timestamp: header("timestamp"), signature: header("signature") },
      webhookSecret: secret,
    });
  } catch (error) {
    // standardwebhooks throws WebhookVerificationError for a missing, stale or wrong signature and
    // SyntaxError for a signed body that is not JSON; anything else means the secret is unusable.
    const name = error instanceof Error ? error.name : "";
    if (name === "WebhookVerificationError" || name === "SyntaxError") {
      logger.warn({ reason: error instanceof Error ? error.message : "invalid" }, "resend webhook refused");
      return Response.json({ error: "invalid signature" }, { status: 400 });
    }
    logger.error({ err: error }, "RESEND_WEBHOOK_SECRET cannot be used to verify webhooks");
    return Response.json({ error: "webhook secret misconfigured" }, { status: 500 });
  }

  const parsed = eventShape.safeParse(verified);
  if (!parsed.success) {
    // Signed by Resend but not an event we can read: retrying cannot help, so acknowledge it.
    logger.warn({ svixId }, "resend webhook without a readable event");
    return Response.json({ received: true, ignored: true });
  }
  const event = parsed.data;
  const reason = Object.hasOwn(SUPPRESSING, event.type) ? SUPPRESSING[event.type as keyof typeof SUPPRESSING] : null;
  const recipients = [event.data?.to ?? []].flat().map(addressOf).filter((a): a is string => a !== null);

  const outcome = await db.transaction().execute(async (trx) => {
    if (!(await recordResendEvent(trx, { svixId, type: event.type }))) return "duplicate" as const;
    if (!reason) return "ignored" as const;
    for (const email of recipients) {
      await addSuppression(trx, { email, scope: "all", reason, sourceEventId: svixId });
    }
    return "suppressed" as const;
  });

  if (outcome === "suppressed") {
    logger.info({ svixId, type: event.type, recipients: recipients.map(maskEmail) }, "addresses suppressed");
    if (recipients.length === 0) logger.warn({ svixId, type: event.type }, "resend event names no usable recipient");
  }
  return Response.json({ received: true, ...(outcome === "duplicate" ? { duplicate: true } : {}) });
}
