import type { AppLoadContext } from "@remix-run/node";
import type { Locale } from "~/locales";
import { findInvitation, invitationState } from "~/models/invitations.server";
import { enqueueEmail } from "~/models/outbox.server";
import { createSignupRequest, deleteExpiredSignupRequests } from "~/models/signup-requests.server";
import { createUser, findUserByEmail, normaliseEmail, type User } from "~/models/users.server";
import { hashToken, looksLikeToken, newToken } from "./tokens.server";

/** A confirmation link works once, for a day: long enough to find the email tomorrow morning. */
export const SIGNUP_CONFIRM_HOURS = 24;

export interface SignupInput {
  email: string;
  displayName: string;
  /** Hashed by the caller before anything is looked up, so both answers cost the same. */
  passwordHash: string;
  locale: Locale;
  /** A same-site path (safeRedirectPath), where the confirmed account goes. */
  redirectTo: string;
  now?: Date;
}

export type SignupOutcome =
  /** The only outcome the visitor is told about: "check your inbox". `token` is for tests. */
  | { status: "emailed"; token?: string }
  /** An invitation to this very address proved it already: the account exists now. */
  | { status: "created"; user: User };

/**
 * Starts a sign-up without telling the visitor whether the address is registered. A new address
 * gets a confirmation link, and the account is created when it is used (confirmSignupRequest);
 * an address that has an account gets an email saying so, with a way to log in. Each request
 * and its email are written in one transaction.
 *
 * One shortcut: a sign-up that comes from an open invitation to the same address (redirectTo
 * is the invitation's page) creates the account at once, because following the invitation's
 * emailed link already proved the address.
 */
export async function requestSignup(context: Pick<AppLoadContext, "db" | "env">, input: SignupInput): Promise<SignupOutcome> {
  const now = input.now ?? new Date();
  const existing = await findUserByEmail(context.db, input.email);
  if (existing) {
    // At most one such email an hour: a stranger re-submitting the form must not flood the owner's inbox.
    const hour = Math.floor(now.getTime() / 3_600_000);
    await enqueueEmail(context.db, {
      kind: "signup-existing",
      to: existing.email,
      locale: existing.locale,
      props: { loginUrl: `${context.env.APP_URL}/login`, forgotPasswordUrl: `${context.env.APP_URL}/forgot-password` },
      idempotencyKey: `signup-existing:${existing.id}:${hour}`,
      transactional: true,
    });
    return { status: "emailed" };
  }

  if (await isOpenInvitationFor(context, input.redirectTo, input.email, now)) {
    const user = await createUser(context.db, { email: input.email, displayName: input.displayName, passwordHash: input.passwordHash, locale: input.locale });
    // Taken between the lookup and now: answer as for any registered address.
    if (user) return { status: "created", user };
    return { status: "emailed" };
  }

  const token = newToken();
  const tokenHash = hashToken(token);
  await context.db.transaction().execute(async (trx) => {
    // Housekeeping without a scheduler, as sessions do at login.
    await deleteExpiredSignupRequests(trx, now);
    await createSignupRequest(trx, {
      tokenHash,
      email: input.email,
      displayName: input.displayName,
      passwordHash: input.passwordHash,
      locale: input.locale,
      redirectTo: input.redirectTo,
      expiresAt: new Date(now.getTime() + SIGNUP_CONFIRM_HOURS * 3_600_000),
    });
    await enqueueEmail(trx, {
      kind: "signup-confirm",
      to: input.email,
      locale: input.locale,
      props: { confirmUrl: `${context.env.APP_URL}/signup/confirm/${token}`, expiresInHours: SIGNUP_CONFIRM_HOURS },
      idempotencyKey: `signup-confirm:${tokenHash}`,
      transactional: true,
    });
  });
  return { status: "emailed", token };
}

const INVITATION_PATH = /^\/invitations\/([A-Za-z0-9_-]+)$/;

async function isOpenInvitationFor(context: Pick<AppLoadContext, "db">, redirectTo: string, email: string, now: Date): Promise<boolean> {
  const token = INVITATION_PATH.exec(redirectTo)?.[1];
  if (!looksLikeToken(token)) return false;
  const invitation = await findInvitation(context.db, hashToken(token));
  return !!invitation && invitationState(invitation, now) === "open" && normaliseEmail(invitation.email) === normaliseEmail(email);
}
