import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { STRIPE_API_VERSION } from "~/payments/stripe.server";
import { demoAccountId, seedDemoContent } from "~/models/demo.server";
import { NeedRuleError, transitionNeed } from "~/models/needs.server";
import { DEMO_ORGANISATIONS } from "../../db/demo-content";
import { applyAccountSnapshot, attachStripeAccount, getPaymentsStatus } from "~/models/stripe-accounts.server";
import { createStripeConnectMock, type StripeConnectMock } from "../mocks/stripe-connect";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { mswServer } from "../support/msw";
import { createOrganiser, createTestNeed, type Organiser } from "../support/needs";

let database: TestDatabase;
const db = () => database.db;
const APP_URL = "https://tomoni.example";

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.destroy();
});

const organisation = (id: number) => db().selectFrom("organisations").where("id", "=", id).selectAll().executeTakeFirstOrThrow();

/** An organisation that has not connected Stripe, with its owner. */
const unconnectedOwner = () => createOrganiser(db(), { chargesEnabled: false });

/** Page text without tags or the escapes React writes. */
function pageText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}

/** The page's first-level heading, as text. */
const heading = (html: string) =>
  /<h1[^>]*>([\s\S]*?)<\/h1>/
    .exec(html)?.[1]
    ?.replace(/<[^>]+>/g, "")
    .trim();

function client(app: () => TestApp) {
  return {
    get: (path: string, headers: Record<string, string> = {}) => fetch(`${app().url}${path}`, { headers, redirect: "manual" }),
    post: (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${app().url}${path}`, {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: app().url, "Sec-Fetch-Site": "same-origin", ...headers },
        body: new URLSearchParams(fields).toString(),
      }),
  };
}

describe(`connected accounts in the database (${onPostgres ? "PostgreSQL" : "PGlite"})`, () => {
  it("applies a newer account snapshot and ignores an older one that arrives late", async () => {
    const owner = await unconnectedOwner();
    await attachStripeAccount(db(), owner.organisationId, "acct_order_1");
    const snapshot = { accountId: "acct_order_1", chargesEnabled: true, payoutsEnabled: false, detailsSubmitted: true };

    expect(await applyAccountSnapshot(db(), { ...snapshot, at: 1_000 })).toBe(true);
    expect(await getPaymentsStatus(db(), owner.organisationId)).toMatchObject({
      chargesEnabled: true,
      payoutsEnabled: false,
      syncedAt: 1_000,
      state: "ready",
    });

    // An event created earlier, delivered later: it describes the past and changes nothing.
    expect(await applyAccountSnapshot(db(), { ...snapshot, chargesEnabled: false, at: 999 })).toBe(false);
    expect(await getPaymentsStatus(db(), owner.organisationId)).toMatchObject({ chargesEnabled: true, syncedAt: 1_000 });

    // The same event again (Stripe delivers at least once) writes the same values.
    expect(await applyAccountSnapshot(db(), { ...snapshot, at: 1_000 })).toBe(true);

    expect(await applyAccountSnapshot(db(), { ...snapshot, chargesEnabled: false, payoutsEnabled: true, at: 1_001 })).toBe(true);
    expect(await getPaymentsStatus(db(), owner.organisationId)).toMatchObject({
      chargesEnabled: false,
      payoutsEnabled: true,
      detailsSubmitted: true,
      syncedAt: 1_001,
      state: "onboarding",
    });
  });

  it("applies a snapshot to no one when no organisation holds the account", async () => {
    const owner = await unconnectedOwner();
    expect(
      await applyAccountSnapshot(db(), { accountId: "acct_nobody", chargesEnabled: true, payoutsEnabled: true, detailsSubmitted: true, at: 5 })
    ).toBe(false);
    expect(await getPaymentsStatus(db(), owner.organisationId)).toMatchObject({ accountId: null, chargesEnabled: false, state: "not_connected" });
  });

  it("keeps the first account attached to an organisation, even when two attach at once", async () => {
    const owner = await unconnectedOwner();
    const attached = await Promise.all([
      attachStripeAccount(db(), owner.organisationId, "acct_race_a"),
      attachStripeAccount(db(), owner.organisationId, "acct_race_b"),
    ]);
    expect(attached[0]).toBe(attached[1]);
    expect(["acct_race_a", "acct_race_b"]).toContain(attached[0]);
    expect(await attachStripeAccount(db(), owner.organisationId, "acct_race_c")).toBe(attached[0]);
    expect((await organisation(owner.organisationId)).stripe_account_id).toBe(attached[0]);
  });

  it("refuses to publish a need until the organisation can accept charges", async () => {
    const owner = await unconnectedOwner();
    const need = await createTestNeed(db(), owner.organisationId, { publish: false });
    const publish = () => transitionNeed(db(), { organisationId: owner.organisationId, needId: need.id, to: "live" });

    const refused = await publish().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(NeedRuleError);
    expect(refused).toMatchObject({ code: "payments_not_ready" });
    const draft = await db().selectFrom("needs").where("id", "=", need.id).select(["status", "published_at"]).executeTakeFirstOrThrow();
    expect(draft).toEqual({ status: "draft", published_at: null });

    // Connected, but Stripe does not let it take charges yet: still refused.
    await attachStripeAccount(db(), owner.organisationId, "acct_gate_1");
    await applyAccountSnapshot(db(), { accountId: "acct_gate_1", chargesEnabled: false, payoutsEnabled: false, detailsSubmitted: true, at: 10 });
    await expect(publish()).rejects.toMatchObject({ code: "payments_not_ready" });

    await applyAccountSnapshot(db(), { accountId: "acct_gate_1", chargesEnabled: true, payoutsEnabled: false, detailsSubmitted: true, at: 11 });
    expect(await publish()).toEqual({ from: "draft", to: "live" });
    expect((await db().selectFrom("needs").where("id", "=", need.id).select("status").executeTakeFirstOrThrow()).status).toBe("live");
  });

  it("seeds the demo organisations as onboarded, each with its own stable demo account", async () => {
    const fresh = await createTestDatabase();
    try {
      await seedDemoContent(fresh.db, DEMO_ORGANISATIONS, new Date(), null);
      const rows = await fresh.db
        .selectFrom("organisations")
        .select(["slug", "stripe_account_id", "charges_enabled", "payouts_enabled", "details_submitted"])
        .orderBy("slug")
        .execute();
      expect(rows).toHaveLength(DEMO_ORGANISATIONS.length);
      for (const row of rows) {
        expect(row).toEqual({
          slug: row.slug,
          stripe_account_id: demoAccountId(row.slug),
          charges_enabled: true,
          payouts_enabled: true,
          details_submitted: true,
        });
        expect(row.stripe_account_id).toMatch(/^acct_demo_[0-9a-f]{24}$/);
      }
      expect(new Set(rows.map((r) => r.stripe_account_id)).size).toBe(rows.length);
    } finally {
      await fresh.destroy();
    }
  });

  it("gives test organisations a distinct connected account that can take charges by default", async () => {
    const [a, b] = [await createOrganiser(db()), await createOrganiser(db())];
    const [orgA, orgB] = [await organisation(a.organisationId), await organisation(b.organisationId)];
    expect(orgA.stripe_account_id).toMatch(/^acct_test_\w+$/);
    expect(orgA.stripe_account_id).not.toBe(orgB.stripe_account_id);
    expect(orgA).toMatchObject({ charges_enabled: true, payouts_enabled: true, details_submitted: true });
  });
});

describe(`Connect onboarding with Stripe over HTTP (${onPostgres ? "PostgreSQL" : "PGlite"})`, () => {
  let app: TestApp;
  let stripe: StripeConnectMock;
  const { get, post } = client(() => app);

  beforeAll(async () => {
    app = await startTestApp(db(), { APP_URL, STRIPE_SECRET_KEY: "sk_test_x", STRIPE_WEBHOOK_SECRET: "whsec_x" });
    expect(app.env.paymentsMode).toBe("stripe");
  });
  afterAll(async () => {
    await app?.close();
  });
  beforeEach(() => {
    stripe = createStripeConnectMock();
    mswServer.use(...stripe.handlers);
  });

  const paymentsPath = (owner: Organiser) => `/dashboard/${owner.orgSlug}/payments`;

  it("creates one connected account for the organisation and sends the owner to Stripe's onboarding", async () => {
    const owner = await unconnectedOwner();
    const res = await post(paymentsPath(owner), {}, { Cookie: owner.cookie });
    expect(res.status).toBe(303);

    const created = stripe.calls("POST /v1/accounts");
    expect(created).toHaveLength(1);
    expect(created[0]!.idempotencyKey).toBe(`connect-account:${owner.organisationId}`);
    expect(created[0]!.stripeVersion).toBe(STRIPE_API_VERSION);
    // The organisation controls its account: its own full Dashboard, its own Stripe fees (direct charges).
    expect(created[0]!.params).toEqual({
      "controller[stripe_dashboard][type]": "full",
      "controller[fees][payer]": "account",
      "controller[losses][payments]": "stripe",
      "controller[requirement_collection]": "stripe",
      "metadata[organisation_id]": String(owner.organisationId),
    });
    const [accountId] = [...stripe.accounts.keys()];
    expect((await organisation(owner.organisationId)).stripe_account_id).toBe(accountId);

    const links = stripe.calls("POST /v1/account_links");
    expect(links).toHaveLength(1);
    expect(links[0]!.params).toEqual({
      account: accountId,
      type: "account_onboarding",
      refresh_url: `${APP_URL}/dashboard/${owner.orgSlug}/payments/refresh`,
      return_url: `${APP_URL}/dashboard/${owner.orgSlug}/payments?from=stripe`,
    });
    expect(res.headers.get("location")).toMatch(new RegExp(`^https://connect\\.stripe\\.com/setup/s/${accountId}/`));
    // Not ready until Stripe says so.
    expect(await organisation(owner.organisationId)).toMatchObject({ charges_enabled: false });
  });

  it("reuses the stored account when the owner clicks again, with a fresh link each time", async () => {
    const owner = await unconnectedOwner();
    const first = await post(paymentsPath(owner), {}, { Cookie: owner.cookie });
    const second = await post(paymentsPath(owner), {}, { Cookie: owner.cookie });
    expect([first.status, second.status]).toEqual([303, 303]);
    expect(stripe.calls("POST /v1/accounts")).toHaveLength(1);
    expect(stripe.accounts.size).toBe(1);
    const links = stripe.calls("POST /v1/account_links");
    expect(links).toHaveLength(2);
    expect(links.map((l) => l.params.account)).toEqual([...stripe.accounts.keys(), ...stripe.accounts.keys()]);
    expect(second.headers.get("location")).not.toBe(first.headers.get("location"));
  });

  it("creates one account when two clicks race (Stripe's idempotency plus first writer wins)", async () => {
    const owner = await unconnectedOwner();
    const responses = await Promise.all([0, 1, 2].map(() => post(paymentsPath(owner), {}, { Cookie: owner.cookie })));
    expect(responses.map((r) => r.status)).toEqual([303, 303, 303]);
    expect(stripe.accounts.size).toBe(1);
    const [accountId] = [...stripe.accounts.keys()];
    expect(new Set(stripe.calls("POST /v1/accounts").map((r) => r.idempotencyKey))).toEqual(new Set([`connect-account:${owner.organisationId}`]));
    expect((await organisation(owner.organisationId)).stripe_account_id).toBe(accountId);
    expect(stripe.calls("POST /v1/account_links").every((l) => l.params.account === accountId)).toBe(true);
  });

  it("syncs the status from Stripe when the owner returns from onboarding", async () => {
    const owner = await unconnectedOwner();
    await post(paymentsPath(owner), {}, { Cookie: owner.cookie });
    const [accountId] = [...stripe.accounts.keys()];
    stripe.updateAccount(accountId!, { charges_enabled: true, payouts_enabled: true, details_submitted: true });

    const before = Math.floor(Date.now() / 1000);
    const back = await get(`${paymentsPath(owner)}?from=stripe`, { Cookie: owner.cookie });
    expect(back.status).toBe(303);
    expect(back.headers.get("location")).toBe(`${paymentsPath(owner)}?notice=returned`);
    expect(stripe.calls(`GET /v1/accounts/${accountId}`)).toHaveLength(1);
    const org = await organisation(owner.organisationId);
    expect(org).toMatchObject({ charges_enabled: true, payouts_enabled: true, details_submitted: true });
    expect(Number(org.stripe_account_synced_at)).toBeGreaterThanOrEqual(before);

    const page = await get(`${paymentsPath(owner)}?notice=returned`, { Cookie: owner.cookie });
    expect(page.status).toBe(200);
    const returned = await page.text();
    expect(heading(returned)).toBe("Payments");
    const text = pageText(returned);
    expect(text).toContain("Ready to accept donations");
    expect(text).toContain("Welcome back.");
    expect(text).not.toContain("Continue onboarding");
  });

  it("shows an incomplete onboarding with a Continue button after returning early", async () => {
    const owner = await unconnectedOwner();
    await post(paymentsPath(owner), {}, { Cookie: owner.cookie });
    await get(`${paymentsPath(owner)}?from=stripe`, { Cookie: owner.cookie });
    expect(await organisation(owner.organisationId)).toMatchObject({ charges_enabled: false });
    const text = pageText(await (await get(paymentsPath(owner), { Cookie: owner.cookie })).text());
    expect(text).toContain("Onboarding incomplete");
    expect(text).toContain("Continue onboarding");
  });

  it("makes a fresh Account Link at the refresh URL, for the same account", async () => {
    const owner = await unconnectedOwner();
    await post(paymentsPath(owner), {}, { Cookie: owner.cookie });
    const res = await get(`${paymentsPath(owner)}/refresh`, { Cookie: owner.cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toMatch(/^https:\/\/connect\.stripe\.com\/setup\/s\//);
    expect(stripe.calls("POST /v1/accounts")).toHaveLength(1);
    expect(stripe.calls("POST /v1/account_links")).toHaveLength(2);
  });

  it("lets organisers see the status but not connect", async () => {
    const owner = await unconnectedOwner();
    const organiser = await createOrganiser(db(), { organisationId: owner.organisationId, role: "organiser" });
    const page = await get(paymentsPath(organiser), { Cookie: organiser.cookie });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(pageText(html)).toContain("Not connected");
    expect(pageText(html)).toContain("Only owners of this organisation can connect a Stripe account.");
    expect(html).not.toContain("Connect with Stripe");

    const res = await post(paymentsPath(organiser), {}, { Cookie: organiser.cookie });
    expect(res.status).toBe(403);
    expect(pageText(await res.text())).toContain("Only owners of this organisation can connect a Stripe account.");
    expect((await get(`${paymentsPath(organiser)}/refresh`, { Cookie: organiser.cookie })).status).toBe(404);
    expect(stripe.requests).toHaveLength(0);
    expect((await organisation(owner.organisationId)).stripe_account_id).toBeNull();
  });

  it("answers 404 to people outside the organisation", async () => {
    const owner = await unconnectedOwner();
    const outsider = await createOrganiser(db());
    const path = paymentsPath(owner);
    expect((await get(path, { Cookie: outsider.cookie })).status).toBe(404);
    expect((await post(path, {}, { Cookie: outsider.cookie })).status).toBe(404);
    expect((await get(`${path}/refresh`, { Cookie: outsider.cookie })).status).toBe(404);
    expect((await get(`${path}?from=stripe`, { Cookie: outsider.cookie })).status).toBe(404);
    expect(stripe.requests).toHaveLength(0);
  });

  it("has no demo onboarding page with real Stripe keys", async () => {
    const owner = await unconnectedOwner();
    expect((await get(`${paymentsPath(owner)}/demo-onboarding`, { Cookie: owner.cookie })).status).toBe(404);
    expect((await post(`${paymentsPath(owner)}/demo-onboarding`, {}, { Cookie: owner.cookie })).status).toBe(404);
    expect((await organisation(owner.organisationId)).charges_enabled).toBe(false);
  });

  it("says so, in the owner's language, when Stripe cannot be reached, and stores nothing", async () => {
    const owner = await unconnectedOwner();
    stripe.failNext(1, 400);
    const res = await post(paymentsPath(owner), {}, { Cookie: owner.cookie, "Accept-Language": "ja" });
    expect(res.status).toBe(502);
    expect(pageText(await res.text())).toContain("Stripe に接続できなかったため、何も変更されていません。");
    expect((await organisation(owner.organisationId)).stripe_account_id).toBeNull();
  });
});

describe(`publishing needs waits for payments, over HTTP (${onPostgres ? "PostgreSQL" : "PGlite"})`, () => {
  let app: TestApp;
  const { get, post } = client(() => app);

  beforeAll(async () => {
    app = await startTestApp(db(), { APP_URL, STRIPE_SECRET_KEY: "sk_test_x", STRIPE_WEBHOOK_SECRET: "whsec_x" });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("refuses to publish, with a localised message and a link to the payments page, until charges are enabled", async () => {
    const owner = await unconnectedOwner();
    const need = await createTestNeed(db(), owner.organisationId, { publish: false });
    const needPath = `/dashboard/${owner.orgSlug}/needs/${need.slug}`;
    const payments = `/dashboard/${owner.orgSlug}/payments`;

    // Said before the organiser tries.
    const page = await get(needPath, { Cookie: owner.cookie });
    const before = await page.text();
    expect(pageText(before)).toContain("Before this need can be published, your organisation must connect a Stripe account");
    expect(before).toContain(`href="${payments}"`);

    const publish = { intent: "transition", from: "draft", to: "live" };
    const refused = await post(needPath, publish, { Cookie: owner.cookie });
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(pageText(html)).toContain(
      "This organisation cannot accept donations yet: connect a Stripe account on the payments page before publishing."
    );
    expect(html).toContain(`href="${payments}"`);

    const ja = await post(needPath, publish, { Cookie: `${owner.cookie}; lang=ja` });
    expect(ja.status).toBe(400);
    expect(pageText(await ja.text())).toContain("この団体はまだ寄付を受け付けられません。");
    expect((await db().selectFrom("needs").where("id", "=", need.id).select("status").executeTakeFirstOrThrow()).status).toBe("draft");

    await attachStripeAccount(db(), owner.organisationId, `acct_http_gate_${owner.organisationId}`);
    await applyAccountSnapshot(db(), {
      accountId: `acct_http_gate_${owner.organisationId}`,
      chargesEnabled: true,
      payoutsEnabled: true,
      detailsSubmitted: true,
      at: 1,
    });
    expect(pageText(await (await get(needPath, { Cookie: owner.cookie })).text())).not.toContain("Before this need can be published");
    const published = await post(needPath, publish, { Cookie: owner.cookie });
    expect(published.status).toBe(303);
    expect((await db().selectFrom("needs").where("id", "=", need.id).select("status").executeTakeFirstOrThrow()).status).toBe("live");
  });
});

// The demo's onboarding completes through the same webhook handler as Stripe's events (account.updated).
describe(`demo Connect onboarding over HTTP (${onPostgres ? "PostgreSQL" : "PGlite"})`, () => {
  let app: TestApp;
  const { get, post } = client(() => app);

  beforeAll(async () => {
    app = await startTestApp(db(), { APP_URL });
    expect(app.env.paymentsMode).toBe("demo");
  });
  afterAll(async () => {
    await app?.close();
  });

  it("connects through the built-in onboarding page and a signed account.updated event", async () => {
    const owner = await unconnectedOwner();
    const payments = `/dashboard/${owner.orgSlug}/payments`;
    const status = pageText(await (await get(payments, { Cookie: owner.cookie })).text());
    expect(status).toContain("Not connected");
    expect(status).toContain("Demo payments are on");

    const connect = await post(payments, {}, { Cookie: owner.cookie });
    expect(connect.status).toBe(303);
    expect(connect.headers.get("location")).toBe(`${payments}/demo-onboarding`);
    const accountId = (await organisation(owner.organisationId)).stripe_account_id;
    expect(accountId).toMatch(/^acct_demo_[0-9a-f]{24}$/);

    const page = await get(`${payments}/demo-onboarding`, { Cookie: owner.cookie });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(heading(html)).toBe("Demo Stripe onboarding — no real money");
    expect(pageText(html)).toContain(accountId!);
    expect(html).toContain(">Complete onboarding</button>");

    // Clicking connect again, or Stripe's refresh address, keeps the same demo account.
    await post(payments, {}, { Cookie: owner.cookie });
    const refresh = await get(`${payments}/refresh`, { Cookie: owner.cookie });
    expect(refresh.status).toBe(303);
    expect(refresh.headers.get("location")).toBe(`${payments}/demo-onboarding`);
    expect((await organisation(owner.organisationId)).stripe_account_id).toBe(accountId);

    const complete = await post(`${payments}/demo-onboarding`, {}, { Cookie: owner.cookie });
    expect(complete.status).toBe(303);
    expect(complete.headers.get("location")).toBe(`${payments}?notice=completed`);
    expect(await organisation(owner.organisationId)).toMatchObject({ charges_enabled: true, payouts_enabled: true, details_submitted: true });
    const events = await db().selectFrom("stripe_events").where("account_id", "=", accountId).select(["type"]).execute();
    expect(events).toEqual([{ type: "account.updated" }]);

    const after = pageText(await (await get(`${payments}?notice=completed`, { Cookie: owner.cookie })).text());
    expect(after).toContain("Ready to accept donations");

    // And now a need can go live.
    const need = await createTestNeed(db(), owner.organisationId, { publish: false });
    await transitionNeed(db(), { organisationId: owner.organisationId, needId: need.id, to: "live" });
  });

  it("keeps the demo page to owners, and sends an owner who has not started back to the payments page", async () => {
    const owner = await unconnectedOwner();
    const organiser = await createOrganiser(db(), { organisationId: owner.organisationId, role: "organiser" });
    const outsider = await createOrganiser(db());
    const demoPage = `/dashboard/${owner.orgSlug}/payments/demo-onboarding`;
    expect((await get(demoPage, { Cookie: organiser.cookie })).status).toBe(404);
    expect((await post(demoPage, {}, { Cookie: organiser.cookie })).status).toBe(404);
    expect((await get(demoPage, { Cookie: outsider.cookie })).status).toBe(404);
    const early = await get(demoPage, { Cookie: owner.cookie });
    expect(early.status).toBe(303);
    expect(early.headers.get("location")).toBe(`/dashboard/${owner.orgSlug}/payments?notice=not-started`);
    expect((await post(demoPage, {}, { Cookie: owner.cookie })).headers.get("location")).toBe(
      `/dashboard/${owner.orgSlug}/payments?notice=not-started`
    );
    expect(await organisation(owner.organisationId)).toMatchObject({ stripe_account_id: null, charges_enabled: false });
  });
});
