import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSubscription, findByToken, newSubscriptionToken, unsubscribe } from "~/models/subscriptions.server";
import { suppressionFor } from "~/models/suppressions.server";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { createOrganisationWithNeeds } from "../support/organisations";

let database: TestDatabase;
let app: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp(database.db);
});
afterAll(async () => {
  await app?.close();
  await database?.destroy();
});

/** What a mail provider sends for a one-click unsubscribe: no cookies, its own Origin, if any. */
const oneClick = (token: string, headers: Record<string, string> = {}) =>
  fetch(`${app.url}/unsubscribe/${token}`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: "List-Unsubscribe=One-Click",
  });

/** Our own page's form: a same-origin browser POST with a scope. */
const choose = (token: string, scope: string) =>
  fetch(`${app.url}/unsubscribe/${token}`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: app.url, "Sec-Fetch-Site": "same-origin" },
    body: `scope=${scope}`,
  });

const page = (token: string, headers: Record<string, string> = {}) => fetch(`${app.url}/unsubscribe/${token}`, { headers });

async function snapshot() {
  const db = database.db;
  const suppressions = await db.selectFrom("email_suppressions").select(["email", "scope", "reason"]).orderBy("id").execute();
  const subscriptions = await db.selectFrom("subscriptions").select(["id", "status", "unsubscribed_at"]).orderBy("id").execute();
  return { suppressions, subscriptions };
}

async function suppressionsOf(email: string) {
  return database.db
    .selectFrom("email_suppressions")
    .where(sql<boolean>`lower(email) = ${email.toLowerCase()}`)
    .select(["scope", "reason"])
    .orderBy("scope")
    .execute();
}

describe("subscriptions", () => {
  it("get an opaque random token and are upserted per address and scope", async () => {
    const { organisationId, needIds } = await createOrganisationWithNeeds(database.db, { needTitles: ["Fridge", "Futons"] });
    const first = await createSubscription(database.db, { email: "Donor@Example.com", organisationId, needId: needIds[0], locale: "en" });
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.status).toBe("active");

    // Same address (any case), same need: the same subscription and token, the newer locale.
    const again = await createSubscription(database.db, { email: "donor@example.COM", organisationId, needId: needIds[0], locale: "ja" });
    expect(again.id).toBe(first.id);
    expect(again.token).toBe(first.token);
    expect(again.locale).toBe("ja");

    const otherNeed = await createSubscription(database.db, { email: "donor@example.com", organisationId, needId: needIds[1] });
    const wholeOrganisation = await createSubscription(database.db, { email: "donor@example.com", organisationId });
    expect(new Set([first.id, otherNeed.id, wholeOrganisation.id]).size).toBe(3);
    expect(new Set([first.token, otherNeed.token, wholeOrganisation.token]).size).toBe(3);

    const found = await findByToken(database.db, first.token);
    expect(found).toMatchObject({ id: first.id, needTitle: "Fridge", unsubscribedFrom: null });
  });

  it("are not found by a malformed or unknown token", async () => {
    expect(await findByToken(database.db, "")).toBeNull();
    expect(await findByToken(database.db, "' OR 1=1 --")).toBeNull();
    expect(await findByToken(database.db, newSubscriptionToken())).toBeNull();
    expect(await unsubscribe(database.db, newSubscriptionToken())).toBeNull();
  });
});

describe("one-click unsubscribe (RFC 8058)", () => {
  it("unsubscribes once, however often the provider posts, without cookies and from another origin", async () => {
    const { organisationId, needIds } = await createOrganisationWithNeeds(database.db, { name: "Refuge Network", needTitles: ["Fridge"] });
    const email = "one-click@example.com";
    const subscription = await createSubscription(database.db, { email, organisationId, needId: needIds[0] });

    const first = await oneClick(subscription.token, { Origin: "https://mail.provider.example" });
    const second = await oneClick(subscription.token);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(first.headers.get("location")).toBeNull();

    expect(await suppressionsOf(email)).toEqual([{ scope: `need:${needIds[0]}`, reason: "unsubscribed" }]);
    const row = await database.db.selectFrom("subscriptions").where("id", "=", subscription.id).selectAll().executeTakeFirstOrThrow();
    expect(row.status).toBe("unsubscribed");
    expect(row.unsubscribed_at).toBeInstanceOf(Date);

    // Updates stop; receipts (transactional) still go.
    expect(await suppressionFor(database.db, { recipient: email, transactional: false, subscriptionId: subscription.id })).toBe("unsubscribed");
    expect(await suppressionFor(database.db, { recipient: email, transactional: true, subscriptionId: subscription.id })).toBeNull();
  });

  it("stays one unsubscribe when the provider's requests race", async () => {
    const { organisationId, needIds } = await createOrganisationWithNeeds(database.db);
    const email = "racing@example.com";
    const subscription = await createSubscription(database.db, { email, organisationId, needId: needIds[0] });
    const responses = await Promise.all(Array.from({ length: 5 }, () => oneClick(subscription.token)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await suppressionsOf(email)).toHaveLength(1);
  });

  it("unsubscribes an organisation-wide subscription from the organisation", async () => {
    const { organisationId } = await createOrganisationWithNeeds(database.db);
    const email = "follower@example.com";
    const subscription = await createSubscription(database.db, { email, organisationId, source: "follow" });
    expect((await oneClick(subscription.token)).status).toBe(200);
    expect(await suppressionsOf(email)).toEqual([{ scope: `organisation:${organisationId}`, reason: "unsubscribed" }]);
  });

  it("answers a forged token with 400 and changes nothing", async () => {
    const { organisationId, needIds } = await createOrganisationWithNeeds(database.db);
    await createSubscription(database.db, { email: "bystander@example.com", organisationId, needId: needIds[0] });
    const before = await snapshot();
    for (const token of [newSubscriptionToken(), "short", "x".repeat(200), "%27%20OR%201%3D1"]) {
      const res = await oneClick(token, { Origin: "https://mail.provider.example" });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("This unsubscribe link does not work");
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe("the unsubscribe page", () => {
  it("shows the choice on GET, masks the address, and changes nothing", async () => {
    const { organisationId, needIds } = await createOrganisationWithNeeds(database.db, {
      name: "Yodogawa <script>alert(1)</script>",
      needTitles: ["Refrigerator for the shelter"],
    });
    const subscription = await createSubscription(database.db, { email: "page-visitor@example.com", organisationId, needId: needIds[0] });
    const before = await snapshot();

    const res = await page(subscription.token);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<h1>Unsubscribe from emails</h1>");
    expect(html).toContain(`<form method="post" action="/unsubscribe/${subscription.token}"`);
    expect(html).toContain('<input type="radio" id="scope-need" name="scope" checked="" value="need"/>');
    expect(html).toContain('<input type="radio" id="scope-organisation" name="scope" value="organisation"/>');
    expect(html).toContain('<label for="scope-need">Only this need: “Refrigerator for the shelter”</label>');
    expect(html).toContain('<label for="scope-organisation">Everything from Yodogawa &lt;script&gt;alert(1)&lt;/script&gt;</label>');
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain("p***@example.com");
    expect(html).not.toContain("page-visitor@example.com");
    expect(html).toContain('<meta name="robots" content="noindex"/>');
    // The token is in the URL: no Referer carries it off, no cache keeps the page.
    expect(res.headers.get("referrer-policy")).toBe("strict-origin");
    expect(res.headers.get("cache-control")).toBe("no-store");
    // Link scanners fetch URLs: a GET must not unsubscribe.
    expect(await snapshot()).toEqual(before);
  });

  it("speaks Japanese to a Japanese browser", async () => {
    const { organisationId, needIds } = await createOrganisationWithNeeds(database.db, { name: "淀川難民ネットワーク", needTitles: ["冷蔵庫"] });
    const subscription = await createSubscription(database.db, { email: "ja@example.com", organisationId, needId: needIds[0], locale: "ja" });
    const html = await (await page(subscription.token, { "Accept-Language": "ja" })).text();
    expect(html).toContain('<html lang="ja"');
    expect(html).toContain("メール配信の停止");
    expect(html).toContain("この募集「冷蔵庫」に関するメールのみ");
    expect(html).toContain("淀川難民ネットワーク からのすべてのメール");
  });

  it("unsubscribes from the whole organisation when that is chosen", async () => {
    const { organisationId, needIds } = await createOrganisationWithNeeds(database.db, { name: "Study Club", needTitles: ["Workbooks", "Bus fares"] });
    const email = "everything@example.com";
    const workbooks = await createSubscription(database.db, { email, organisationId, needId: needIds[0] });
    const fares = await createSubscription(database.db, { email, organisationId, needId: needIds[1] });
    const elsewhere = await createOrganisationWithNeeds(database.db);
    const other = await createSubscription(database.db, { email, organisationId: elsewhere.organisationId, needId: elsewhere.needIds[0] });

    const res = await choose(workbooks.token, "organisation");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Your choice has been saved.");
    expect(html).toContain("You will no longer receive updates from Study Club.");

    expect(await suppressionsOf(email)).toEqual([{ scope: `organisation:${organisationId}`, reason: "unsubscribed" }]);
    for (const s of [workbooks, fares]) {
      expect(await suppressionFor(database.db, { recipient: email, transactional: false, subscriptionId: s.id })).toBe("unsubscribed");
    }
    const statuses = await database.db.selectFrom("subscriptions").where("id", "in", [workbooks.id, fares.id, other.id]).select(["id", "status"]).execute();
    expect(Object.fromEntries(statuses.map((s) => [s.id, s.status]))).toEqual({
      [workbooks.id]: "unsubscribed",
      [fares.id]: "unsubscribed",
      [other.id]: "active",
    });
    // Another organisation's updates are not this organisation's to stop.
    expect(await suppressionFor(database.db, { recipient: email, transactional: false, subscriptionId: other.id })).toBeNull();

    // Coming back to the link shows the outcome rather than the choice again.
    const later = await (await page(workbooks.token)).text();
    expect(later).toContain("<h1>You are unsubscribed</h1>");
    expect(later).not.toContain('name="scope" value="need"');
  });

  it("after a need-only unsubscribe, offers the whole organisation too", async () => {
    const { organisationId, needIds } = await createOrganisationWithNeeds(database.db, { name: "Café Group", needTitles: ["Coffee"] });
    const email = "need-only@example.com";
    const subscription = await createSubscription(database.db, { email, organisationId, needId: needIds[0] });
    const res = await choose(subscription.token, "need");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("You will no longer receive updates about “Coffee”.");
    expect(html).toContain('<input type="hidden" name="scope" value="organisation"/>');
    expect(html).toContain("Unsubscribe from everything from Café Group");
    expect(await suppressionsOf(email)).toEqual([{ scope: `need:${needIds[0]}`, reason: "unsubscribed" }]);

    expect((await choose(subscription.token, "organisation")).status).toBe(200);
    expect(await suppressionsOf(email)).toEqual([
      { scope: `need:${needIds[0]}`, reason: "unsubscribed" },
      { scope: `organisation:${organisationId}`, reason: "unsubscribed" },
    ]);
  });

  it("answers a forged token on GET with a friendly, localised 400 page", async () => {
    const token = newSubscriptionToken();
    const en = await page(token);
    expect(en.status).toBe(400);
    const html = await en.text();
    expect(html).toContain("<h1>This unsubscribe link does not work</h1>");
    expect(html).toContain("Nothing has been changed.");
    const ja = await page(token, { "Accept-Language": "ja" });
    expect(ja.status).toBe(400);
    expect(await ja.text()).toContain("この配信停止リンクは無効です");
  });
});
