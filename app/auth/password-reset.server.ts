import type { AppLoadContext } from "@remix-run/node";
import type { Locale } from "~/locales";
import { enqueueEmail } from "~/models/outbox.server";
import { createPasswordReset, findUserByEmail } from "~/models/users.server";
import { hashToken, newToken } from "./tokens.server";

/** Reset links work once, for an hour (OWASP Forgot Password Cheat Sheet). */
export const PASSWORD_RESET_MINUTES = 60;

/**
 * Creates a reset link for the address's account, if there is one, and queues its email in
 * the same transaction: the row and the email exist together or not at all. For an unknown
 * address nothing happens; the caller answers the same either way.
 */
export async function requestPasswordReset(
  context: Pick<AppLoadContext, "db" | "env">,
  input: { email: string; locale: Locale; now?: Date },
): Promise<{ token: string } | undefined> {
  const user = await findUserByEmail(context.db, input.email);
  if (!user) return undefined;
  const token = newToken();
  const tokenHash = hashToken(token);
  const now = input.now ?? new Date();
  await context.db.transaction().execute(async (trx) => {
    await createPasswordReset(trx, { userId: user.id, tokenHash, expiresAt: new Date(now.getTime() + PASSWORD_RESET_MINUTES * 60_000) });
    await enqueueEmail(trx, {
      kind: "password-reset",
      to: user.email,
      locale: input.locale,
      props: { resetUrl: `${context.env.APP_URL}/reset-password/${token}`, expiresInMinutes: PASSWORD_RESET_MINUTES },
      idempotencyKey: `password-reset:${tokenHash}`,
      transactional: true,
    });
  });
  return { token };
}
