import { createHmac, randomBytes } from "node:crypto";

/**
 * Signs a webhook body the way Svix signs Resend's (the Standard Webhooks scheme, as in the
 * `standardwebhooks` package the Resend SDK verifies with): HMAC-SHA256 over
 * `${id}.${timestamp}.${body}`, keyed with the base64 secret after `whsec_`, sent as
 * `svix-signature: v1,<base64>`. Written independently of the SDK so the test checks it.
 */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

export function svixHeaders(
  body: string,
  secret: string,
  options: { id?: string; timestamp?: number } = {},
): Record<string, string> {
  const id = options.id ?? `msg_${randomBytes(12).toString("hex")}`;
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return { "svix-id": id, "svix-timestamp": timestamp, "svix-signature": `v1,${signature}` };
}
