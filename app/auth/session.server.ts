import { redirect, type AppLoadContext } from "@remix-run/node";
import type { Env } from "~/env.server";
import { deleteExpiredSessions, deleteSession, findActiveSession, insertSession, touchSession } from "~/models/sessions.server";
import type { User } from "~/models/users.server";
import { hashToken, looksLikeToken, newToken } from "./tokens.server";

/**
 * Sessions: a random token in an HttpOnly cookie, its SHA-256 in the sessions table.
 * OWASP Session Management Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html
 */

/** Logged out after a week without a visit… */
export const SESSION_IDLE_SECONDS = 7 * 24 * 60 * 60;
/** …and after 30 days whatever happens, so a stolen cookie does not live for ever. */
export const SESSION_ABSOLUTE_SECONDS = 30 * 24 * 60 * 60;
/** last_seen_at is written at most this often: a page view should not always be a write. */
export const SESSION_TOUCH_SECONDS = 60;

type SessionContext = Pick<AppLoadContext, "db" | "env">;
export type { User };

/**
 * NOTE: the `__Host-` prefix makes browsers refuse the cookie unless it is Secure, has
 * Path=/ and no Domain, so a sibling subdomain cannot plant or overwrite it. It needs
 * HTTPS, hence production only (https://developer.mozilla.org/en-US/docs/Web/HTTP/Cookies#cookie_prefixes).
 */
export function sessionCookieName(env: Pick<Env, "isProduction">): string {
  return env.isProduction ? "__Host-tomoni_session" : "tomoni_session";
}

function serialiseCookie(env: Pick<Env, "isProduction">, value: string, maxAge: number): string {
  const secure = env.isProduction ? "; Secure" : "";
  return `${sessionCookieName(env)}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

function readSessionToken(request: Request, env: Pick<Env, "isProduction">): string | undefined {
  const header = request.headers.get("cookie");
  if (!header) return undefined;
  const name = sessionCookieName(env);
  for (const pair of header.split(";")) {
    const index = pair.indexOf("=");
    if (index > 0 && pair.slice(0, index).trim() === name) {
      const value = pair.slice(index + 1).trim();
      return looksLikeToken(value) ? value : undefined;
    }
  }
  return undefined;
}

// The root loader and a route's loader both ask for the user of one request: one query.
const userOfRequest = new WeakMap<Request, Promise<User | null>>();

/** The logged-in user, or null. Refreshes the session's last-seen time (at most once a minute). */
export function getUser(request: Request, context: SessionContext): Promise<User | null> {
  let pending = userOfRequest.get(request);
  if (!pending) {
    pending = loadUser(request, context);
    userOfRequest.set(request, pending);
  }
  return pending;
}

async function loadUser(request: Request, { db, env }: SessionContext): Promise<User | null> {
  const token = readSessionToken(request, env);
  if (!token) return null;
  const idHash = hashToken(token);
  const now = new Date();
  const session = await findActiveSession(db, idHash, { now, idleSeconds: SESSION_IDLE_SECONDS });
  if (!session) return null;
  if (now.getTime() - session.lastSeenAt.getTime() >= SESSION_TOUCH_SECONDS * 1000) {
    await touchSession(db, idHash, { now, minIntervalSeconds: SESSION_TOUCH_SECONDS });
  }
  return session.user;
}

/** The logged-in user; anyone else is sent to /login and brought back here afterwards. */
export async function requireUser(request: Request, context: SessionContext): Promise<User> {
  const user = await getUser(request, context);
  if (user) return user;
  const url = new URL(request.url);
  // A form post cannot be replayed after login; come back to the page that holds the form.
  const back = safeRedirectPath(url.pathname + url.search, "/dashboard");
  throw redirect(`/login?${new URLSearchParams({ redirectTo: back })}`);
}

/**
 * Starts a session for a user who just proved who they are, and returns its Set-Cookie
 * value. Always a fresh token: a token that existed before login (perhaps planted by an
 * attacker — session fixation) is ended, never promoted.
 */
export async function createUserSession(request: Request, context: SessionContext, userId: number): Promise<string> {
  const previous = readSessionToken(request, context.env);
  if (previous) await deleteSession(context.db, hashToken(previous));
  const token = newToken();
  const now = new Date();
  // Housekeeping without a scheduler: each login clears that user's dead sessions.
  await deleteExpiredSessions(context.db, { now, idleSeconds: SESSION_IDLE_SECONDS, userId });
  await insertSession(context.db, {
    idHash: hashToken(token),
    userId,
    now,
    expiresAt: new Date(now.getTime() + SESSION_ABSOLUTE_SECONDS * 1000),
  });
  userOfRequest.delete(request);
  return serialiseCookie(context.env, token, SESSION_ABSOLUTE_SECONDS);
}

/** Ends the request's session on the server (the cookie alone is worth nothing after this) and returns the clearing Set-Cookie. */
export async function destroyUserSession(request: Request, context: SessionContext): Promise<string> {
  const token = readSessionToken(request, context.env);
  if (token) await deleteSession(context.db, hashToken(token));
  userOfRequest.delete(request);
  return serialiseCookie(context.env, "", 0);
}

/**
 * A path on this site to go to after login, or the fallback. Never another origin:
 * `//evil.example` and `/\evil.example` are protocol-relative to browsers.
 */
export function safeRedirectPath(value: unknown, fallback = "/dashboard"): string {
  if (typeof value !== "string" || value.length > 2000) return fallback;
  if (!/^\/(?![/\\])/.test(value) || /[\u0000-\u001f\\]/.test(value)) return fallback;
  return value;
}
