import type { TestApp } from "./app";

/**
 * GET and form POST against a test app, never following redirects (the tests check them).
 * POSTs look like the app's own forms (same Origin, Sec-Fetch-Site) so the CSRF guard lets them
 * through; `headers` overrides those to test the guard itself. `app` is a getter because the
 * app only starts in beforeAll.
 */
export function appRequests(app: () => TestApp) {
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${app().url}${path}`, { headers, redirect: "manual" });
  const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${app().url}${path}`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: app().url, "Sec-Fetch-Site": "same-origin", ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  return { get, post };
}
