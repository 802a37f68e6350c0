import { nextIp } from "./accounts";
import type { TestApp } from "./app";

/**
 * What the donate-form tests (real Stripe through msw, and demo payments) share: a form POST
 * as a same-origin browser sends it, each from a fresh client address so the per-IP rate
 * limit is per request unless a test says otherwise, and a page's visible text.
 */
export function postForm(app: TestApp, path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${app.url}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Origin: app.url,
      "Sec-Fetch-Site": "same-origin",
      "X-Forwarded-For": nextIp(),
      ...headers,
    },
    body: new URLSearchParams(fields).toString(),
  });
}

/** An HTML page's text with tags dropped, the common entities decoded and white space folded. */
export function pageText(html: string): string {
  return html
    .replace(/<[^>]+>/g, " ")
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}
