import { z } from "zod";
import type { RateLimit } from "~/models/rate-limits.server";
import { FOLLOW_HONEYPOT } from "~/components/FollowForm";
import { msg, parseForm, type FieldErrors } from "./parse.server";

/** The follow-by-email form: one address (field names are shared with app/components/FollowForm.tsx). */

/** Anyone can type any address, so a follow must not become a way to mail strangers in bulk. */
export const FOLLOW_RATE_LIMIT: RateLimit = { limit: 10, windowSeconds: 60 * 60 };

export const followSchema = z.object({
  followEmail: z
    .string({ error: msg("follow.error.email") })
    .trim()
    .min(1, msg("follow.error.email"))
    .max(254, msg("follow.error.email"))
    // A line break in an address could smuggle a header into the confirmation email.
    .refine((value) => !/[\r\n]/.test(value), msg("follow.error.email"))
    .pipe(z.email(msg("follow.error.email"))),
});

export type ParsedFollow = { ok: true; email: string } | { ok: false; errors: FieldErrors };

export function parseFollowForm(fields: Record<string, string>): ParsedFollow {
  const parsed = parseForm(followSchema, fields);
  return parsed.success ? { ok: true, email: parsed.data.followEmail } : { ok: false, errors: parsed.errors };
}

export function followHoneypotFilled(fields: Record<string, string>): boolean {
  return (fields[FOLLOW_HONEYPOT] ?? "").trim() !== "";
}
