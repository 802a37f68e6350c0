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
 * no inline styles, no third-party origins, no framing. Stripe Checkout is reached by a
 * redirect after a form post, which `form-action` has to allow.
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
    "form-action 'self' https://checkout.stripe.com",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join("; ");
}

/** Headers on every response, including static files and errors. */
export function securityHeaders(env: Pick<Env, "isProduction" | "NODE_ENV">) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const nonce = createNonce();
    res.locals.cspNonce = nonce;
    res.setHeader("Content-Security-Policy", contentSecurityPolicy(nonce, env));
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "strict-origin-when-cross-origin");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    res.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
    if (env.isProduction) res.setHeader("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
    next();
  };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
// Signed by their senders (Stripe, Svix) and posted server-to-server without an Origin.
const EXEMPT_PATHS = /^\/webhooks\//;

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
    if (!refused) return next();
    const locale = negotiateLocale(req.get("cookie") ?? null, req.get("accept-language") ?? null);
    res.status(403).type("text/plain; charset=utf-8").send(translator(locale)("error.forbidden.crossOrigin"));
  };
}
