import { sql } from "kysely";
import type { Database } from "~/db.server";
import type { Locale } from "./schema";
import { createUser, normaliseEmail, type User } from "./users.server";

/**
 * Sign-ups waiting for their address to be confirmed (migration 0008). A request holds what
 * the form gave (the password only as its argon2 hash) until its emailed link is used; only
 * then does the account exist.
 */

export interface SignupRequestInput {
  tokenHash: string;
  email: string;
  displayName: string;
  passwordHash: string;
  locale: Locale;
  redirectTo: string;
  expiresAt: Date;
}

export async function createSignupRequest(db: Database, input: SignupRequestInput): Promise<void> {
  await db
    .insertInto("signup_requests")
    .values({
      token_hash: input.tokenHash,
      email: input.email.normalize("NFC").trim(),
      display_name: input.displayName,
      password_hash: input.passwordHash,
      locale: input.locale,
      redirect_to: input.redirectTo,
      expires_at: input.expiresAt,
    })
    .execute();
}

/** A confirmation link that can still be used: unused and not expired. */
export async function findUsableSignupRequest(db: Database, tokenHash: string, now = new Date()): Promise<{ email: string } | undefined> {
  return db
    .selectFrom("signup_requests")
    .select("email")
    .where("token_hash", "=", tokenHash)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
}

export type ConfirmSignupResult =
  | { status: "created"; user: User; redirectTo: string }
  /** The address got an account some other way since (another link, an invitation): nothing was created. */
  | { status: "exists"; redirectTo: string }
  | { status: "invalid" };

/**
 * Uses a confirmation link: creates the account and spends every open link for the address, in
 * one transaction. The conditional UPDATE is the single-use guard (of two clicks only one
 * matches `used_at IS NULL`), and createUser's ON CONFLICT on lower(email) keeps two links for
 * one address from making two accounts.
 */
export async function confirmSignupRequest(db: Database, input: { tokenHash: string; now?: Date }): Promise<ConfirmSignupResult> {
  const now = input.now ?? new Date();
  return db.transaction().execute(async (trx): Promise<ConfirmSignupResult> => {
    const request = await trx
      .updateTable("signup_requests")
      .set({ used_at: now })
      .where("token_hash", "=", input.tokenHash)
      .where("used_at", "is", null)
      .where("expires_at", ">", now)
      .returning(["email", "display_name", "password_hash", "locale", "redirect_to"])
      .executeTakeFirst();
    if (!request) return { status: "invalid" };
    await trx
      .updateTable("signup_requests")
      .set({ used_at: now })
      .where(sql<string>`lower(email)`, "=", normaliseEmail(request.email))
      .where("used_at", "is", null)
      .execute();
    const user = await createUser(trx, {
      email: request.email,
      displayName: request.display_name,
      passwordHash: request.password_hash,
      locale: request.locale,
    });
    return user ? { status: "created", user, redirectTo: request.redirect_to } : { status: "exists", redirectTo: request.redirect_to };
  });
}

/** Forgets requests that expired more than a day ago (they can no longer be used, and hold a password hash). */
export async function deleteExpiredSignupRequests(db: Database, now = new Date()): Promise<number> {
  const result = await db
    .deleteFrom("signup_requests")
    .where("expires_at", "<", new Date(now.getTime() - 86_400_000))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
