import { randomBytes } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import type { Env } from "~/env.server";
import { negotiateLocale, translator } from "~/locales";

/** A fresh nonce per response: scripts without it do not run. */
export function createNonce(): string {
  return randomBytes(16).toString("base64");
}

/**
 * The Content Security Policy, enforcing. Scripts run only with this response's nonce;
 * no inline styles, no third-party origins, no framing. Stripe Checkout and Stripe's Connect
 * onboarding are reached by a redirect after a form post, which `form-action` has to allow
 * (Chromium checks the redirect's target against it too).
 */
export function contentSecurityPolicy(nonce: string, env: Pick<Env, "NODE_ENV">): string {
  const devSocket = env.NODE_ENV === "development" ? " ws://localhost:* ws://127.0.0.1:*" : "";
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${devSocket}`,
    "form-action 'self' https://checkout.stripe.com https://connect.stripe.com",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join("; ");
}

/**
 * Headers on every response, including static files and errors. A route may replace any of
 * them by setting its own (the local mailbox's raw-HTML route sets a stricter CSP that allows
 * framing by our own pages). NOTE: the Remix express adapter copies a route's headers with
 * `res.append` (sendRemixResponse in @remix-run/express), which would send a second
 * Content-Security-Policy next to ours; browsers enforce every CSP header they get, so the
 * stricter default would still win. Hence the first append of a default header replaces it.
 */
export function securityHeaders(env: Pick<Env, "isProduction" | "NODE_ENV">) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const nonce = createNonce();
    res.locals.cspNonce = nonce;
    const defaults = new Set<string>();
    const setDefault = (name: string, value: string) => {
      res.setHeader(name, value);
      defaults.add(name.toLowerCase());
    };
    setDefault("Content-Security-Policy", contentSecurityPolicy(nonce, env));
    setDefault("X-Content-Type-Options", "nosniff");
    setDefault("Referrer-Policy", "strict-origin-when-cross-origin");
    setDefault("X-Frame-Options", "DENY");
    setDefault("Cross-Origin-Opener-Policy", "same-origin");
    setDefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
    if (env.isProduction) setDefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
    const append = res.append.bind(res);
    res.append = (field: string, value?: string | string[]) => {
      if (defaults.delete(field.toLowerCase())) res.removeHeader(field);
      return append(field, value);
    };
    next();
  };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
// Signed by their senders (Stripe, Svix) and posted server-to-server without an Origin.
// One-click unsubscribes (RFC 8058) are posted by mail providers' servers, possibly with their
// own Origin; the unguessable token in the path is the credential, so no origin check applies.
const EXEMPT_PATHS = /^\/(webhooks|unsubscribe)\//;

/**
 * Refuses cross-origin writes (CSRF). Browsers send Sec-Fetch-Site and Origin on every
 * cross-origin POST; a request from the same origin, or from a non-browser client that
 * sends neither, passes. Same-site (a sibling subdomain) is refused too.
 */
export function isCrossOriginWrite(
  method: string,
  path: string,
  headers: { origin?: string; host?: string; secFetchSite?: string },
  appUrl: string,
): boolean {
  if (SAFE_METHODS.has(method.toUpperCase()) || EXEMPT_PATHS.test(path)) return false;
  const site = headers.secFetchSite;
  if (site && site !== "same-origin" && site !== "none") return true;
  const origin = headers.origin;
  if (!origin) return false;
  if (origin === "null") return true;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return true;
  }
  return origin !== new URL(appUrl).origin && originHost !== headers.host;
}

export function crossOriginGuard(env: Pick<Env, "APP_URL">) {
  return (req: Request, res: Response, next: NextFunction) => {
    const refused = isCrossOriginWrite(
      req.method,
      req.path,
      { origin: req.get("origin"), host: req.get("host"), secFetchSite: req.get("sec-fetch-site") },
      env.APP_URL,
    );
    if (!refused) {
      // NOTE: Remix 2 answers a document POST whose Origin differs from Host with a 500
      // (throwIfPotentialCSRFAttack in @remix-run/server-runtime). On the exempt paths the
      // origin means nothing by design (mail providers post one-click unsubscribes from their
      // own servers), so it is dropped here, where that decision is made.
      if (EXEMPT_PATHS.test(req.path)) delete req.headers.origin;
      return next();
    }
    const locale = negotiateLocale(req.get("cookie") ?? null, req.get("accept-language") ?? null);
    res.status(403).type("text/plain; charset=utf-8").send(translator(locale)("error.forbidden.crossOrigin"));
  };
}
