import type { Env } from "~/env.server";
import { isLocale, type Locale } from "~/locales";
import { emailKinds, previewPropsFor, renderEmail, type RenderedEmail } from "./render.server";

/**
 * The local mailbox and template previews under /dev/mail: development tools only. In
 * production they answer 404, as if they did not exist.
 */
export function requireDevMail(env: Pick<Env, "isProduction">): void {
  if (env.isProduction) throw new Response("Not Found", { status: 404 });
}

/**
 * Email HTML is full of inline styles, which our pages' CSP forbids, so it is served on its own
 * with a policy of its own: styles inline, images only as data: URLs (nothing fetched, no
 * tracking), no scripts, sandboxed (an opaque origin even when opened directly) and framable
 * only by our own pages. The security middleware lets this header replace the app-wide one.
 */
export const EMAIL_HTML_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src data:",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'self'",
  "sandbox",
].join("; ");

export function emailHtmlResponse(html: string): Response {
  return new Response(html, {
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": EMAIL_HTML_CSP,
      "X-Frame-Options": "SAMEORIGIN",
      "Cache-Control": "no-store",
    },
  });
}

/** Previews carry a link shaped like a real one; its token matches no subscription. */
export const PREVIEW_UNSUBSCRIBE_TOKEN = "preview-only-this-token-matches-no-subscription";

export function renderPreview(kind: string, locale: Locale, appUrl: string): Promise<RenderedEmail> {
  return renderEmail({
    kind,
    locale,
    props: previewPropsFor(kind),
    unsubscribeUrl: `${appUrl}/unsubscribe/${PREVIEW_UNSUBSCRIBE_TOKEN}`,
  });
}

export function previewKinds(): string[] {
  return emailKinds();
}

export function previewLocale(value: string | null): Locale {
  return isLocale(value) ? value : "en";
}
