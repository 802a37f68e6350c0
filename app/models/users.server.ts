import { sql } from "kysely";
import type { Database } from "~/db.server";
import type { Locale } from "./schema";

/** Organiser accounts and their password resets. Emails compare case-insensitively (users_email_key is on lower(email)). */

export interface User {
  id: number;
  email: string;
  displayName: string;
  locale: Locale;
}

export interface UserWithPassword extends User {
  passwordHash: string | null;
}

/**
 * The form of an address used for lookups and rate-limit buckets: trimmed, NFC, lower case.
 * Lower-casing the local part is not RFC 5321 strict, but no mail provider our users have
 * treats Alice@ and alice@ as two people, and users_email_key already assumes it.
 */
export function normaliseEmail(email: string): string {
  return email.normalize("NFC").trim().toLowerCase();
}

const userColumns = ["id", "email", "display_name as displayName", "locale"] as const;

export async function findUserByEmail(db: Database, email: string): Promise<UserWithPassword | undefined> {
  return db
    .selectFrom("users")
    .select([...userColumns, "password_hash as passwordHash"])
    .where(sql<string>`lower(email)`, "=", normaliseEmail(email))
    .executeTakeFirst();
}

export async function getUserById(db: Database, id: number): Promise<User | undefined> {
  return db.selectFrom("users").select(userColumns).where("id", "=", id).executeTakeFirst();
}

/**
 * Creates an account; undefined when the address is taken. ON CONFLICT on the
 * lower(email) index rather than a lookup first: two sign-ups at once cannot both win.
 */
export async function createUser(
  db: Database,
  input: { email: string; passwordHash: string; displayName?: string; locale: Locale },
): Promise<User | undefined> {
  return db
    .insertInto("users")
    .values({
      email: input.email.normalize("NFC").trim(),
      password_hash: input.passwordHash,
      display_name: input.displayName ?? "",
      locale: input.locale,
    })
    .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
    .returning(userColumns)
    .executeTakeFirst();
}

export async function setPasswordHash(db: Database, userId: number, passwordHash: string): Promise<void> {
  await db.updateTable("users").set({ password_hash: passwordHash }).where("id", "=", userId).execute();
}

export async function createPasswordReset(db: Database, input: { userId: number; tokenHash: string; expiresAt: Date }): Promise<void> {
  await db
    .insertInto("password_resets")
    .values({ token_hash: input.tokenHash, user_id: input.userId, expires_at: input.expiresAt })
    .execute();
}

/** A reset link that can still be used: unused and not expired. */
export async function findUsablePasswordReset(
  db: Database,
  tokenHash: string,
  now = new Date(),
): Promise<{ userId: number; email: string } | undefined> {
  return db
    .selectFrom("password_resets as r")
    .innerJoin("users as u", "u.id", "r.user_id")
    .select(["r.user_id as userId", "u.email"])
    .where("r.token_hash", "=", tokenHash)
    .where("r.used_at", "is", null)
    .where("r.expires_at", ">", now)
    .executeTakeFirst();
}

/**
 * Uses a reset link: sets the password, spends this and every other open link of the
 * user, and ends all their sessions (whoever knew the old password is logged out).
 * The conditional UPDATE is the single-use guard: of two concurrent submissions only one
 * matches `used_at IS NULL`. Returns the user, or undefined when the link is not usable.
 */
export async function consumePasswordReset(
  db: Database,
  input: { tokenHash: string; passwordHash: string; now?: Date },
): Promise<User | undefined> {
  const now = input.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const spent = await trx
      .updateTable("password_resets")
      .set({ used_at: now })
      .where("token_hash", "=", input.tokenHash)
      .where("used_at", "is", null)
      .where("expires_at", ">", now)
      .returning("user_id")
      .executeTakeFirst();
    if (!spent) return undefined;
    await trx
      .updateTable("password_resets")
      .set({ used_at: now })
      .where("user_id", "=", spent.user_id)
      .where("used_at", "is", null)
      .execute();
    await trx.updateTable("users").set({ password_hash: input.passwordHash }).where("id", "=", spent.user_id).execute();
    await trx.deleteFrom("sessions").where("user_id", "=", spent.user_id).execute();
    return trx.selectFrom("users").select(userColumns).where("id", "=", spent.user_id).executeTakeFirstOrThrow();
  });
}
