import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_ORGANISATIONS } from "../../db/demo-content";
import { createDatabase } from "~/db.server";
import { seedDemoContent } from "~/models/demo.server";
import { PRODUCTION_ENV, startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
let app: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemoContent(database.db, DEMO_ORGANISATIONS);
  app = await startTestApp(database.db);
});
afterAll(async () => {
  await app?.close();
  await database?.destroy();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${app.url}${path}`, { headers, redirect: "manual" });

describe("pages", () => {
  it("lists the live demo needs with their progress on the home page", async () => {
    const res = await get("/");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Refrigerator for the shelter");
    expect(html).toContain("¥46,000 raised of ¥92,000");
    expect(html).toContain("7 backers");
    expect(html).toContain('<html lang="en"');
  });

  it("shows the need page with items and dated updates, newest first", async () => {
    const html = await (await get("/needs/refrigerator-for-the-shelter")).text();
    expect(html).toContain("Refrigerator (400 L, energy-efficient)");
    const chosen = html.indexOf("We have chosen the refrigerator");
    const urgent = html.indexOf("the fridge is now urgent");
    expect(chosen).toBeGreaterThan(0);
    expect(urgent).toBeGreaterThan(chosen);
  });

  it("speaks Japanese to a Japanese browser, and English when the cookie says so", async () => {
    const ja = await (await get("/", { "Accept-Language": "ja-JP,ja;q=0.9" })).text();
    expect(ja).toContain('<html lang="ja"');
    expect(ja).toContain("いま支援できる募集");
    expect(ja).toContain("目標 ￥92,000 のうち ￥46,000");
    const en = await (await get("/", { "Accept-Language": "ja", Cookie: "lang=en" })).text();
    expect(en).toContain('<html lang="en"');
  });

  it("switches language with a plain form post and returns to the same page", async () => {
    const res = await fetch(`${app.url}/locale`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: app.url, "Sec-Fetch-Site": "same-origin" },
      body: "locale=ja&redirectTo=%2Fneeds%2Frefrigerator-for-the-shelter",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/needs/refrigerator-for-the-shelter");
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^lang=ja;/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
  });

  it("never redirects off-site after a language switch", async () => {
    const res = await fetch(`${app.url}/locale`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "locale=ja&redirectTo=%2F%2Fevil.example%2F",
    });
    expect(res.headers.get("location")).toBe("/");
  });

  it("answers unknown pages with a localised 404", async () => {
    const res = await get("/no/such/page", { "Accept-Language": "ja" });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("ページが見つかりません");
    const need = await get("/needs/no-such-need");
    expect(need.status).toBe(404);
    expect(await need.text()).toContain("Page not found");
  });
});

describe("security headers", () => {
  it("sends an enforcing CSP whose nonce differs per response and matches every script", async () => {
    const nonces: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await get("/");
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(res.headers.get("content-security-policy-report-only")).toBeNull();
      const nonce = /script-src 'self' 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
      expect(nonce).toBeTruthy();
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).toContain("frame-ancestors 'none'");
      // Donate and connect forms redirect to Stripe; Chromium checks those redirects against form-action.
      expect(csp).toContain("form-action 'self' https://checkout.stripe.com https://connect.stripe.com");
      const html = await res.text();
      const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      expect(scripts.length).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
      nonces.push(nonce!);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it("sets the baseline headers on pages, JSON and static files alike", async () => {
    for (const path of ["/", "/healthz", "/favicon.svg"]) {
      const res = await get(path);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get("strict-transport-security")).toBeNull();
    }
  });

  it("caches fingerprinted build assets for a year", async () => {
    const html = await (await get("/")).text();
    const asset = /href="(\/build\/[^"]+\.css)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    const res = await get(asset!);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  });

  it("adds HSTS in production", async () => {
    const prod = await startTestApp(database.db, PRODUCTION_ENV);
    try {
      const res = await fetch(`${prod.url}/healthz`);
      expect(res.headers.get("strict-transport-security")).toContain("max-age=");
    } finally {
      await prod.close();
    }
  });
});

describe("cross-origin writes", () => {
  const post = (path: string, headers: Record<string, string>) =>
    fetch(`${app.url}${path}`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
      body: "locale=ja&redirectTo=%2F",
    });

  it("refuses a POST from another origin with 403", async () => {
    const res = await post("/locale", { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" });
    expect(res.status).toBe(403);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("refuses by Origin alone, by Sec-Fetch-Site alone, and an opaque origin", async () => {
    expect((await post("/locale", { Origin: "https://evil.example" })).status).toBe(403);
    expect((await post("/locale", { "Sec-Fetch-Site": "cross-site" })).status).toBe(403);
    expect((await post("/locale", { "Sec-Fetch-Site": "same-site" })).status).toBe(403);
    expect((await post("/locale", { Origin: "null" })).status).toBe(403);
  });

  it("explains the refusal in the visitor's language", async () => {
    const res = await post("/locale", { Origin: "https://evil.example", "Accept-Language": "ja" });
    expect(await res.text()).toContain("別のウェブサイト");
  });

  it("lets same-origin posts through", async () => {
    expect((await post("/locale", { Origin: app.url, "Sec-Fetch-Site": "same-origin" })).status).toBe(303);
  });

  it("exempts webhook routes, which verify signatures instead", async () => {
    const res = await post("/webhooks/anything", { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" });
    expect(res.status).not.toBe(403);
  });
});

describe("/healthz", () => {
  it("is 200 after a real query", async () => {
    const res = await get("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", db: "ok" });
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("is 503 when the database is unreachable", async () => {
    // Nothing listens on port 9 of loopback: every query fails to connect.
    const down = createDatabase({ url: "postgres://postgres@127.0.0.1:9/none" });
    const broken = await startTestApp(down);
    try {
      const res = await fetch(`${broken.url}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: "error", db: "unreachable" });
    } finally {
      await broken.close();
      await down.destroy();
    }
  });
});
