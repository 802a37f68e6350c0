import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { renderEmail } from "~/email/render.server";
import { FOLLOW_RATE_LIMIT } from "~/forms/follow.server";
import { unsubscribe } from "~/models/subscriptions.server";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { appRequests } from "../support/http";
import { createOrganiser, createTestNeed, type Organiser } from "../support/needs";

let database: TestDatabase;
let app: TestApp;
let owner: Organiser;
let need: { id: number; slug: string };

const APP_URL = "https://tomoni.example";

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp(database.db, { APP_URL });
  owner = await createOrganiser(database.db, { orgName: "Yodogawa Refuge Network" });
  need = await createTestNeed(database.db, owner.organisationId, { title: "Refrigerator for the shelter" });
});
afterAll(async () => {
  await app?.close();
  await database?.destroy();
});
// Every request comes from 127.0.0.1: each test starts with a fresh per-IP allowance.
beforeEach(async () => {
  await database.db.deleteFrom("rate_limit_hits").execute();
});

const db = () => database.db;
let counter = 0;
const address = (name = "follower") => `${name}-${++counter}@example.org`;
const { get, post } = appRequests(() => app);
const follow = (email: string, target = `need=${need.slug}`, headers: Record<string, string> = {}, extra: Record<string, string> = {}) =>
  post(`/follow?${target}`, { followEmail: email, followHomepage: "", ...extra }, headers);

const subscriptionOf = (email: string) =>
  db()
    .selectFrom("subscriptions")
    .where(sql<boolean>`lower(email) = ${email.toLowerCase()}`)
    .selectAll()
    .execute();
const confirmations = (email: string) =>
  db().selectFrom("outbox_emails").where("recipient", "=", email).where("kind", "=", "follow-confirm").selectAll().orderBy("id").execute();

/** The response page's main text, without the markup and without the address the visitor typed. */
async function answer(res: Response, email: string): Promise<string> {
  const html = await res.text();
  const main = /<main[^>]*>(.*?)<\/main>/s.exec(html)?.[1] ?? "";
  return main.replace(/<[^>]+>/g, " ").replaceAll(email, "EMAIL").replace(/\s+/g, " ").trim();
}

function fieldError(html: string, id: string): string | undefined {
  return new RegExp(`<p id="${id}-error" class="field-error">(.*?)</p>`, "s")
    .exec(html)?.[1]
    ?.replace(/<span class="visually-hidden">.*?<\/span>/s, "")
    .replace(/<[^>]+>/g, "")
    .trim();
}

describe(`following by email on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("offers the form on the need page and the organisation page", async () => {
    const needPage = await (await get(`/needs/${need.slug}`)).text();
    expect(needPage).toContain(`action="/follow?need=${need.slug}"`);
    expect(needPage).toContain('name="followEmail"');
    expect(needPage).toMatch(/class="follow-hp" aria-hidden="true"/);
    const orgPage = await (await get(`/orgs/${owner.orgSlug}`)).text();
    expect(orgPage).toContain(`action="/follow?organisation=${owner.orgSlug}"`);
  });

  it("writes a pending subscription and queues one confirmation email, in the visitor's language", async () => {
    const email = address();
    const res = await follow(email, `need=${need.slug}`, { "Accept-Language": "ja" });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("メールをご確認ください");

    const [subscription] = await subscriptionOf(email);
    expect(subscription).toMatchObject({ status: "pending", source: "follow", locale: "ja", need_id: need.id, organisation_id: owner.organisationId, confirmed_at: null });
    const queued = await confirmations(email);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ locale: "ja", transactional: true, subscription_id: null, status: "queued" });
    expect(queued[0]!.props).toEqual({
      organisationName: "Yodogawa Refuge Network",
      needTitle: "Refrigerator for the shelter",
      confirmUrl: `${APP_URL}/follow/confirm/${subscription!.token}`,
    });

    const rendered = await renderEmail({ kind: "follow-confirm", locale: "ja", props: queued[0]!.props });
    expect(rendered.subject).toBe("確認のお願い：Tomoni で Refrigerator for the shelter をフォロー");
    expect(rendered.html).toContain(`${APP_URL}/follow/confirm/${subscription!.token}`);
    expect(rendered.text).toContain("確認してフォローする");
  });

  it("answers the same for a new, a pending and an active address, and mails only the first two, once", async () => {
    const fresh = address("fresh");
    const first = await follow(fresh);
    expect(first.status).toBe(200);
    const firstText = await answer(first, fresh);
    expect(firstText).toContain("Check your inbox");

    // A double submit: same page, still one subscription and one email.
    const again = await follow(fresh.toUpperCase());
    expect(again.status).toBe(200);
    expect(await answer(again, fresh.toUpperCase())).toBe(firstText);
    expect(await subscriptionOf(fresh)).toHaveLength(1);
    expect(await confirmations(fresh)).toHaveLength(1);

    // A donor who opted in is already active: the same answer, no email, nothing changes.
    const donor = address("donor");
    await db()
      .insertInto("subscriptions")
      .values({ email: donor, organisation_id: owner.organisationId, need_id: need.id, token: "d".repeat(43), status: "active", source: "donation", locale: "en" })
      .execute();
    const active = await follow(donor);
    expect(active.status).toBe(200);
    expect(await answer(active, donor)).toBe(firstText);
    // Nor can a stranger change an active subscription's language.
    expect((await follow(donor, `need=${need.slug}`, { "Accept-Language": "ja" })).status).toBe(200);
    expect(await confirmations(donor)).toHaveLength(0);
    expect(await subscriptionOf(donor)).toEqual([expect.objectContaining({ status: "active", source: "donation", locale: "en", token: "d".repeat(43) })]);
  });

  it("confirms only on POST from the link's page, idempotently", async () => {
    const email = address();
    await follow(email);
    const [pending] = await subscriptionOf(email);
    const path = `/follow/confirm/${pending!.token}`;

    // A mail scanner's GET changes nothing.
    const page = await get(path);
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("referrer-policy")).toBe("strict-origin");
    const html = await page.text();
    expect(html).toContain("Yes, send me updates");
    expect(html).toContain("Follow Refrigerator for the shelter");
    expect((await subscriptionOf(email))[0]!.status).toBe("pending");

    const confirmed = await post(path, {});
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain("You are following Refrigerator for the shelter");
    const [active] = await subscriptionOf(email);
    expect(active).toMatchObject({ status: "active" });
    expect(active!.confirmed_at).not.toBeNull();

    const twice = await post(path, {});
    expect(twice.status).toBe(200);
    expect(await twice.text()).toContain("You are following");
    expect((await subscriptionOf(email))[0]!.confirmed_at).toEqual(active!.confirmed_at);
    // Following again once active sends nothing more.
    await follow(email);
    expect(await confirmations(email)).toHaveLength(1);
  });

  it.each(["garbage", "x".repeat(43), "%3Cscript%3E"])("answers an unknown token %j with a friendly 404", async (token) => {
    const page = await get(`/follow/confirm/${token}`);
    expect(page.status).toBe(404);
    expect(await page.text()).toContain("This link does not work");
    const press = await post(`/follow/confirm/${token}`, {});
    expect(press.status).toBe(404);
    expect(await press.text()).toContain("This link does not work");
  });

  it("takes an unsubscribed address through confirmation again, with a new link", async () => {
    const email = address("returning");
    await follow(email);
    const [first] = await subscriptionOf(email);
    await post(`/follow/confirm/${first!.token}`, {});
    await unsubscribe(db(), first!.token);
    expect((await subscriptionOf(email))[0]!.status).toBe("unsubscribed");
    // The old link does not bring it back.
    expect((await post(`/follow/confirm/${first!.token}`, {})).status).toBe(404);

    await follow(email);
    const [again] = await subscriptionOf(email);
    expect(again).toMatchObject({ status: "pending", source: "follow", unsubscribed_at: null });
    expect(again!.token).not.toBe(first!.token);
    const queued = await confirmations(email);
    expect(queued).toHaveLength(2);
    expect(queued[1]!.props).toMatchObject({ confirmUrl: `${APP_URL}/follow/confirm/${again!.token}` });

    expect((await post(`/follow/confirm/${again!.token}`, {})).status).toBe(200);
    expect((await subscriptionOf(email))[0]!.status).toBe("active");
    // The unsubscribe's suppression is lifted by the fresh consent, so updates can reach the address.
    const suppressions = await db().selectFrom("email_suppressions").where("email", "=", email).selectAll().execute();
    expect(suppressions).toEqual([]);
  });

  it("follows a whole organisation", async () => {
    const email = address("org");
    const res = await follow(email, `organisation=${owner.orgSlug}`);
    expect(res.status).toBe(200);
    const [subscription] = await subscriptionOf(email);
    expect(subscription).toMatchObject({ need_id: null, organisation_id: owner.organisationId, status: "pending" });
    expect((await confirmations(email))[0]!.props).toMatchObject({ needTitle: null, organisationName: "Yodogawa Refuge Network" });
    const page = await (await get(`/follow/confirm/${subscription!.token}`)).text();
    expect(page).toContain("Follow Yodogawa Refuge Network");
  });

  it.each([
    ["", "en", "Enter an email address, like name@example.com."],
    ["not-an-address", "en", "Enter an email address, like name@example.com."],
    ["a@b.example\r\nBcc: x@y.example", "en", "Enter an email address, like name@example.com."],
    ["nope", "ja", "メールアドレスを入力してください（例：name@example.com）。"],
  ])("refuses %j with a message next to the field (%s)", async (email, lang, message) => {
    const res = await follow(email, `need=${need.slug}`, { "Accept-Language": lang });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(fieldError(html, "followEmail")).toBe(message);
    expect(html).toMatch(/<input[^>]*aria-invalid="true"[^>]*id="followEmail"|<input[^>]*id="followEmail"[^>]*aria-invalid="true"/);
    expect(await db().selectFrom("subscriptions").where("email", "=", email).selectAll().execute()).toEqual([]);
  });

  it("refuses a filled honeypot and writes nothing", async () => {
    const email = address("bot");
    const res = await follow(email, `need=${need.slug}`, {}, { followHomepage: "https://spam.example" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("This form could not be sent.");
    expect(await subscriptionOf(email)).toEqual([]);
    expect(await confirmations(email)).toEqual([]);
  });

  it("slows down one connection following too often", async () => {
    for (let i = 0; i < FOLLOW_RATE_LIMIT.limit; i++) expect((await follow(address("burst"))).status).toBe(200);
    const email = address("burst");
    const refused = await follow(email);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.text()).toContain("Too many attempts. Please wait");
    expect(await subscriptionOf(email)).toEqual([]);
  });

  it("answers 404 for drafts, cancelled and unknown targets", async () => {
    const draft = await createTestNeed(db(), owner.organisationId, { publish: false });
    for (const target of [`need=${draft.slug}`, "need=no-such-need", "organisation=no-such-org", ""]) {
      const res = await follow(address(), target);
      expect(res.status, target).toBe(404);
      expect((await get(`/follow?${target}`)).status, target).toBe(404);
    }
  });

  it("shows the form on its own page too (GET), for a visitor without the need page", async () => {
    const html = await (await get(`/follow?need=${need.slug}`)).text();
    expect(html).toContain('<h1 id="follow">Follow by email</h1>');
    expect(html).toContain('name="followEmail"');
  });
});
