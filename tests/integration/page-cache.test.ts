import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { createPageCache } from "~/server/page-cache.server";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { pageText, postForm } from "../support/donate-form";
import { createOrganiser, createTestNeed, sessionCookie, type Organiser } from "../support/needs";
import { connectOrganisation } from "../support/stripe-events";

/**
 * The anonymous need-page cache (app/server/page-cache.server.ts): through the real HTTP
 * stack, every copy carries its own CSP nonce and donate-form token, logged-in and other
 * visitors bypass it, and a write in this process shows at once.
 */

let database: TestDatabase;
let app: TestApp;
let org: Organiser;
let need: { id: number; slug: string };

beforeAll(async () => {
  database = await createTestDatabase();
  // A long TTL: every miss below is caused by the rule under test, never by the clock.
  app = await startTestApp(database.db, { PAGE_CACHE_MS: "60000", TRUST_PROXY: "1" });
  org = await createOrganiser(database.db, { orgName: "Nishinari Homework Club" });
  await connectOrganisation(database.db, org.organisationId, `acct_demo_${org.organisationId}`);
  need = await createTestNeed(database.db, org.organisationId, { slug: "cached-fridge" });
});
afterAll(async () => {
  await app?.close();
  await database?.destroy();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${app.url}${path}`, { headers: { "Accept-Language": "en", ...headers } });

/** The nonce the CSP header allows, every nonce attribute in the body, and the form's token. */
async function page(path: string, headers: Record<string, string> = {}) {
  const res = await get(path, headers);
  const html = await res.text();
  const cspNonce = /'nonce-([^']+)'/.exec(res.headers.get("content-security-policy") ?? "")?.[1];
  const bodyNonces = new Set([...html.matchAll(/nonce="([^"]+)"/g)].map((m) => m[1]));
  const token = /name="token" value="([^"]+)"/.exec(html)?.[1];
  return { res, html, cache: res.headers.get("x-cache"), cspNonce, bodyNonces, token };
}

const donateFields = (token: string, email: string) => ({
  token,
  amount: "2000",
  donorName: "Kenji Mori",
  display: "public",
  message: "",
  email,
  website: "",
});

describe(`the need page cache on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("serves a copy to the next anonymous visitor, with its own nonce and donate-form token", async () => {
    const first = await page(`/needs/${need.slug}`);
    const second = await page(`/needs/${need.slug}`);
    expect(first.res.status).toBe(200);
    expect(second.res.status).toBe(200);
    expect([first.cache, second.cache]).toEqual(["miss", "hit"]);

    for (const p of [first, second]) {
      // Every script the page carries runs under the nonce its own CSP header allows.
      expect(p.cspNonce).toBeTruthy();
      expect([...p.bodyNonces]).toEqual([p.cspNonce]);
      expect(p.token).toMatch(/^[A-Za-z0-9_-]{24}$/);
      // The token is also in the page's data for hydration: the same one.
      expect(p.html.split(p.token!).length - 1).toBeGreaterThanOrEqual(2);
    }
    expect(second.cspNonce).not.toBe(first.cspNonce);
    expect(second.token).not.toBe(first.token);
    expect(second.html).not.toContain(first.cspNonce);
    expect(second.html).not.toContain(first.token);
    // Otherwise the same page.
    const normalise = (p: typeof first) => p.html.replaceAll(p.cspNonce!, "NONCE").replaceAll(p.token!, "TOKEN");
    expect(normalise(second)).toBe(normalise(first));
  });

  it("keeps one copy per language", async () => {
    const ja = await page(`/needs/${need.slug}`, { "Accept-Language": "ja" });
    expect(ja.html).toContain('<html lang="ja"');
    const jaAgain = await page(`/needs/${need.slug}`, { "Accept-Language": "ja" });
    expect(jaAgain.cache).toBe("hit");
    expect(jaAgain.html).toContain('<html lang="ja"');
    // The language cookie chooses the copy too.
    const byCookie = await page(`/needs/${need.slug}`, { Cookie: "lang=ja" });
    expect(byCookie.cache).toBe("hit");
    expect(byCookie.html).toContain('<html lang="ja"');
    const en = await page(`/needs/${need.slug}`);
    expect(en.html).toContain('<html lang="en"');
  });

  it("never serves a copy to a logged-in visitor, to any other cookie, or to a URL with a query", async () => {
    await page(`/needs/${need.slug}`);
    const organiser = await page(`/needs/${need.slug}`, { Cookie: await sessionCookie(database.db, org.userId) });
    expect(organiser.cache).toBeNull();
    expect(organiser.html).toContain("/dashboard");
    const otherCookie = await page(`/needs/${need.slug}`, { Cookie: "something=1" });
    expect(otherCookie.cache).toBeNull();
    const withQuery = await page(`/needs/${need.slug}?checkout=cancelled`);
    expect(withQuery.cache).toBeNull();
    // And the anonymous copy was not replaced by the organiser's page.
    const anonymous = await page(`/needs/${need.slug}`);
    expect(anonymous.cache).toBe("hit");
    expect(anonymous.html).not.toContain("/dashboard");
  });

  it("empties the cache when a Stripe webhook has been answered (it is served ahead of the cache)", async () => {
    await page(`/needs/${need.slug}`);
    expect((await page(`/needs/${need.slug}`)).cache).toBe("hit");
    // Refused (unsigned), but a write request all the same: what it might have changed shows at once.
    const webhook = await fetch(`${app.url}/webhooks/stripe`, { method: "POST", body: "{}", headers: { "Content-Type": "application/json" } });
    expect(webhook.status).toBe(400);
    expect((await page(`/needs/${need.slug}`)).cache).toBe("miss");
  });

  it("does not keep a page that is not found", async () => {
    const first = await get("/needs/no-such-need");
    const second = await get("/needs/no-such-need");
    expect([first.status, second.status]).toEqual([404, 404]);
    expect(second.headers.get("x-cache")).toBe("miss");
  });

  it("a token from a copy starts its own donation; a gift paid in this process shows at once", async () => {
    await page(`/needs/${need.slug}`);
    const a = await page(`/needs/${need.slug}`);
    const b = await page(`/needs/${need.slug}`);
    expect([a.cache, b.cache]).toEqual(["hit", "hit"]);
    // Two visitors served copies, same gift, same address: two submissions, not one.
    const email = `kenji-${randomBytes(4).toString("hex")}@example.org`;
    const first = await postForm(app, `/needs/${need.slug}`, donateFields(a.token!, email));
    const second = await postForm(app, `/needs/${need.slug}`, donateFields(b.token!, email));
    expect([first.status, second.status]).toEqual([303, 303]);
    expect(first.headers.get("location")).not.toBe(second.headers.get("location"));

    expect(pageText((await page(`/needs/${need.slug}`)).html)).not.toContain("Kenji Mori");
    const paid = await postForm(app, first.headers.get("location")!, { intent: "pay" });
    expect(paid.status).toBe(303);
    const after = await page(`/needs/${need.slug}`);
    expect(after.cache).toBe("miss");
    expect(pageText(after.html)).toContain("Kenji Mori");
  });
});

describe("page cache rules", () => {
  let server: Server;
  let base: string;
  let clock = 0;
  let renders = 0;
  let release: (() => void) | undefined;
  let slow = false;
  let body = "fresh";
  const cache = createPageCache({ ttlMs: 1000, now: () => clock, mintFormToken: () => randomBytes(18).toString("base64url") });

  beforeAll(async () => {
    const stub = express();
    stub.use((_req, res, next) => {
      res.locals.cspNonce = randomBytes(16).toString("base64");
      next();
    });
    stub.use(cache.writes);
    stub.use(cache.middleware);
    stub.get("/needs/:slug", async (req, res) => {
      renders += 1;
      if (slow) await new Promise<void>((resolve) => (release = resolve));
      if (req.params.slug === "sets-cookie") res.setHeader("Set-Cookie", "a=b");
      res.type("html").send(`<p nonce="${res.locals.cspNonce}">${body} ${res.locals.formToken}</p>`);
    });
    stub.post("/write", (_req, res) => {
      body = "written";
      res.sendStatus(204);
    });
    server = await new Promise<Server>((resolve) => {
      const s = stub.listen(0, "127.0.0.1", () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const fetchPage = async (path = "/needs/x") => {
    const res = await fetch(`${base}${path}`);
    return { cache: res.headers.get("x-cache"), text: await res.text() };
  };

  it("a copy lives for the TTL, then the page renders again", async () => {
    clock = 10_000;
    renders = 0;
    await fetchPage("/needs/ttl");
    clock += 999;
    expect((await fetchPage("/needs/ttl")).cache).toBe("hit");
    clock += 1;
    expect((await fetchPage("/needs/ttl")).cache).toBe("miss");
    expect(renders).toBe(2);
  });

  it("while an expired copy is replaced, other visitors get the expired copy instead of waiting", async () => {
    clock = 50_000;
    body = "old";
    await fetchPage("/needs/stale");
    clock += 1000;
    body = "new";
    slow = true;
    const renderer = fetchPage("/needs/stale");
    while (!release) await new Promise((resolve) => setTimeout(resolve, 5));
    slow = false;
    const meanwhile = await fetchPage("/needs/stale");
    expect(meanwhile.cache).toBe("hit");
    expect(meanwhile.text).toContain("old");
    release();
    release = undefined;
    expect((await renderer).text).toContain("new");
    const after = await fetchPage("/needs/stale");
    expect(after.cache).toBe("hit");
    expect(after.text).toContain("new");
  });

  it("never keeps a response that sets a cookie", async () => {
    await fetchPage("/needs/sets-cookie");
    expect((await fetchPage("/needs/sets-cookie")).cache).toBe("miss");
  });

  it("visitors arriving during a render wait for it instead of rendering again", async () => {
    renders = 0;
    slow = true;
    const all = Promise.all(Array.from({ length: 5 }, () => fetchPage("/needs/herd")));
    while (!release) await new Promise((resolve) => setTimeout(resolve, 5));
    slow = false;
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    release = undefined;
    const pages = await all;
    expect(renders).toBe(1);
    expect(pages.map((p) => p.cache).sort()).toEqual(["hit", "hit", "hit", "hit", "miss"]);
    // Each with its own token.
    expect(new Set(pages.map((p) => p.text)).size).toBe(5);
  });

  it("a write empties the cache, and a render that began before the write is not kept", async () => {
    body = "fresh";
    await fetchPage("/needs/w");
    expect((await fetchPage("/needs/w")).cache).toBe("hit");

    // A render reads "fresh", a write lands and finishes while it is still rendering.
    slow = true;
    const during = fetchPage("/needs/w2");
    while (!release) await new Promise((resolve) => setTimeout(resolve, 5));
    slow = false;
    expect((await fetch(`${base}/write`, { method: "POST" })).status).toBe(204);
    release();
    release = undefined;
    expect((await during).cache).toBe("miss");

    const afterWrite = await fetchPage("/needs/w");
    expect(afterWrite.cache).toBe("miss");
    expect(afterWrite.text).toContain("written");
    // The render that straddled the write was not kept.
    expect((await fetchPage("/needs/w2")).cache).toBe("miss");
  });
});
