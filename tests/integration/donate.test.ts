import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { feeCover } from "~/fees";
import { STRIPE_API_VERSION, signWebhookPayload } from "~/payments/stripe.server";
import { stripeCheckoutMock, type StripeCheckoutMock } from "../mocks/stripe";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { nextIp } from "../support/accounts";
import { postForm, pageText } from "../support/donate-form";
import { mswServer } from "../support/msw";
import { createOrganiser, createTestNeed, type Organiser } from "../support/needs";
import { connectOrganisation } from "../support/stripe-events";

/**
 * The donate form with real payments (Stripe intercepted by msw): what reaches Stripe, what is
 * refused before it, and that a double submit is one donation with one Checkout Session.
 */

const APP_URL = "https://tomoni.example";
const WEBHOOK_SECRET = "whsec_test_donate_platform_0123456789";

let database: TestDatabase;
let app: TestApp;
let org: Organiser;
let stripe: StripeCheckoutMock;
let jpyNeed: { id: number; slug: string };
let usdNeed: { id: number; slug: string };

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp(database.db, {
    APP_URL,
    STRIPE_SECRET_KEY: "sk_test_donate_0123456789",
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    // Each test is its own client address (X-Forwarded-For), so the per-IP limit is per test.
    TRUST_PROXY: "1",
  });
  org = await createOrganiser(database.db, { orgName: "Yodogawa Refuge Network" });
  // The organisation's connected account (set here too, so this file does not depend on the factory's default).
  await connectOrganisation(database.db, org.organisationId, `acct_donate${org.organisationId}`);
  jpyNeed = await createTestNeed(database.db, org.organisationId, { slug: "fridge-donate" });
  usdNeed = await createTestNeed(database.db, org.organisationId, {
    slug: "bus-fares-usd",
    title: "Bus fares",
    currency: "USD",
    items: [{ name: "Bus pass", description: "", quantity: 4, unitCost: 2_500 }],
  });
});
afterAll(async () => {
  await app?.close();
  await database?.destroy();
});
beforeEach(() => {
  stripe = stripeCheckoutMock();
  mswServer.use(...stripe.handlers);
});

const db = () => database.db;
const account = () => `acct_donate${org.organisationId}`;
const newToken = () => randomBytes(16).toString("base64url");

const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) => postForm(app, path, fields, headers);
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${app.url}${path}`, { redirect: "manual", headers });

const donateFields = (extra: Record<string, string> = {}) => ({
  token: newToken(),
  amount: "3000",
  customAmount: "",
  item: "",
  donorName: "Aiko Tanaka",
  display: "public",
  message: "For the shelter.",
  email: "aiko@example.org",
  website: "",
  ...extra,
});

const donationCount = async () => Number((await db().selectFrom("donations").select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow()).n);

const text = pageText;
function fieldError(html: string, id: string): string | undefined {
  const match = new RegExp(`<p id="${id}-error" class="field-error">(.*?)</p>`, "s").exec(html);
  return match ? text(match[1]!).replace(/^ ?(Error:|エラー：) ?/, "").trim() : undefined;
}

describe(`the donate form with Stripe on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("renders a form that works without JavaScript: presets, custom amount, items, choices and a hidden honeypot", async () => {
    const res = await get(`/needs/${jpyNeed.slug}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(new RegExp(`<form method="post" action="/needs/${jpyNeed.slug}#donate"`));
    expect(html).toMatch(/<input type="hidden" name="token" value="[A-Za-z0-9_-]{20,}"/);
    for (const preset of ["¥1,000", "¥3,000", "¥5,000", "¥10,000"]) expect(text(html)).toContain(preset);
    expect(html).toContain('name="customAmount"');
    expect(text(html)).toContain("Where it is needed most");
    expect(text(html)).toContain("Refrigerator (¥78,000 still needed)");
    expect(text(html)).toContain("Anonymous to the public (the organisers still see my name)");
    expect(text(html)).toContain("If more than the goal is given: Anything above the goal goes to the food fund.");
    // The honeypot: out of sight, out of the accessibility tree and the tab order.
    expect(html).toMatch(/<div class="donate-hp" aria-hidden="true">.*?<input type="text" id="website" name="website" tabindex="-1" autoComplete="off"/s);
    // Two renders, two tokens: a token is one form, not one visitor.
    const again = await (await get(`/needs/${jpyNeed.slug}`)).text();
    const token = (page: string) => /name="token" value="([^"]+)"/.exec(page)?.[1];
    expect(token(again)).not.toBe(token(html));
  });

  it("sends ¥500 to Stripe as unit_amount 500, as a direct charge on the organisation's account, with ids only in metadata", async () => {
    const page = await (await get(`/needs/${jpyNeed.slug}`)).text();
    const token = /name="token" value="([^"]+)"/.exec(page)![1]!;
    const res = await post(`/needs/${jpyNeed.slug}`, donateFields({ token, amount: "custom", customAmount: "500" }));
    expect(res.status).toBe(303);
    expect(stripe.requests).toHaveLength(1);
    const [request] = stripe.requests;
    const session = stripe.sessions[0]!;
    expect(res.headers.get("location")).toBe(session.url);

    const donation = await db().selectFrom("donations").where("stripe_checkout_session_id", "=", session.id).selectAll().executeTakeFirstOrThrow();
    expect(donation).toMatchObject({
      need_id: jpyNeed.id,
      amount: 500,
      fee_cover: 0,
      currency: "JPY",
      status: "pending",
      donor_name: "Aiko Tanaka",
      show_name: true,
      message: "For the shelter.",
      locale: "en",
      stripe_account_id: account(),
      checkout_url: session.url,
    });
    expect(donation.checkout_expires_at?.getTime()).toBe(session.expires_at * 1000);

    expect(request!.stripeAccount).toBe(account());
    expect(request!.idempotencyKey).toBe(`checkout-session:${donation.id}`);
    expect(request!.stripeVersion).toBe(STRIPE_API_VERSION);
    const p = request!.params;
    expect(p).toMatchObject({
      mode: "payment",
      "line_items[0][quantity]": "1",
      "line_items[0][price_data][currency]": "jpy",
      "line_items[0][price_data][unit_amount]": "500",
      "line_items[0][price_data][product_data][name]": "Donation: Refrigerator for the shelter",
      customer_email: "aiko@example.org",
      locale: "en",
      "metadata[donation_id]": String(donation.id),
      "metadata[need_id]": String(jpyNeed.id),
      "payment_intent_data[metadata][donation_id]": String(donation.id),
      "payment_intent_data[metadata][need_id]": String(jpyNeed.id),
      success_url: `${APP_URL}/needs/${jpyNeed.slug}/thanks?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${APP_URL}/needs/${jpyNeed.slug}?checkout=cancelled#donate`,
    });
    // No fee cover line, no application fee (the platform fee is 0 by default).
    expect(p).not.toHaveProperty("line_items[1][price_data][unit_amount]");
    expect(p).not.toHaveProperty("payment_intent_data[application_fee_amount]");
    // Metadata holds ids and nothing else; the donor's name and message go nowhere near Stripe.
    const metadataKeys = Object.keys(p).filter((key) => key.includes("[metadata]") || key.startsWith("metadata["));
    expect(metadataKeys.sort()).toEqual(["metadata[donation_id]", "metadata[need_id]", "payment_intent_data[metadata][donation_id]", "payment_intent_data[metadata][need_id]"]);
    expect(Object.values(p).join("\n")).not.toMatch(/Aiko|For the shelter/);
  });

  it("sends $12.50 for a USD need as 1250, in the currency's own minor units", async () => {
    const res = await post(`/needs/${usdNeed.slug}`, donateFields({ amount: "custom", customAmount: "12.50" }));
    expect(res.status).toBe(303);
    expect(stripe.requests).toHaveLength(1);
    expect(stripe.requests[0]!.params).toMatchObject({ "line_items[0][price_data][currency]": "usd", "line_items[0][price_data][unit_amount]": "1250" });
    const donation = await db().selectFrom("donations").where("stripe_checkout_session_id", "=", stripe.sessions[0]!.id).selectAll().executeTakeFirstOrThrow();
    expect(donation).toMatchObject({ amount: 1_250, currency: "USD" });
  });

  it("adds the fee cover as its own line with the exact amount, and stores it apart from the gift", async () => {
    const res = await post(`/needs/${jpyNeed.slug}`, donateFields({ amount: "3000", coverFee: "1" }));
    expect(res.status).toBe(303);
    const cover = feeCover(3_000, "JPY");
    expect(cover).toBe(113);
    const p = stripe.requests[0]!.params;
    expect(p).toMatchObject({
      "line_items[0][price_data][unit_amount]": "3000",
      "line_items[1][price_data][unit_amount]": String(cover),
      "line_items[1][price_data][currency]": "jpy",
      "line_items[1][price_data][product_data][name]": "Processing fee (covered by you)",
    });
    expect(stripe.sessions[0]!.amount_total).toBe(3_000 + cover);
    const donation = await db().selectFrom("donations").where("stripe_checkout_session_id", "=", stripe.sessions[0]!.id).selectAll().executeTakeFirstOrThrow();
    expect(donation).toMatchObject({ amount: 3_000, fee_cover: cover });
  });

  it("charges the organisation's platform fee as an application fee, only when there is one", async () => {
    await db().updateTable("organisations").set({ platform_fee_bps: 200 }).where("id", "=", org.organisationId).execute();
    try {
      const res = await post(`/needs/${jpyNeed.slug}`, donateFields({ amount: "10000" }));
      expect(res.status).toBe(303);
      expect(stripe.requests[0]!.params["payment_intent_data[application_fee_amount]"]).toBe("200");
    } finally {
      await db().updateTable("organisations").set({ platform_fee_bps: 0 }).where("id", "=", org.organisationId).execute();
    }
  });

  it("targets one item when asked, and names it on the Checkout line", async () => {
    const item = await db().selectFrom("items").where("need_id", "=", jpyNeed.id).where("name", "=", "Food storage containers").select("id").executeTakeFirstOrThrow();
    const res = await post(`/needs/${jpyNeed.slug}`, donateFields({ item: String(item.id) }));
    expect(res.status).toBe(303);
    expect(stripe.requests[0]!.params["line_items[0][price_data][product_data][name]"]).toBe("Donation: Refrigerator for the shelter — Food storage containers");
    const donation = await db().selectFrom("donations").where("stripe_checkout_session_id", "=", stripe.sessions[0]!.id).select("item_id").executeTakeFirstOrThrow();
    expect(donation.item_id).toBe(item.id);
  });

  it("speaks Japanese to Stripe for a Japanese donor", async () => {
    const res = await post(`/needs/${jpyNeed.slug}`, donateFields({ coverFee: "1" }), { "Accept-Language": "ja" });
    expect(res.status).toBe(303);
    expect(stripe.requests[0]!.params).toMatchObject({
      locale: "ja",
      "line_items[0][price_data][product_data][name]": "寄付：Refrigerator for the shelter",
      "line_items[1][price_data][product_data][name]": "決済手数料（ご負担分）",
    });
    const donation = await db().selectFrom("donations").where("stripe_checkout_session_id", "=", stripe.sessions[0]!.id).select("locale").executeTakeFirstOrThrow();
    expect(donation.locale).toBe("ja");
  });

  it.each([
    ["", "Choose an amount or enter your own."],
    ["abc", "Enter the amount in digits, like 3,000."],
    ["-100", "The amount cannot be negative."],
    ["0", "The amount must be more than zero."],
    ["12.5", "JPY amounts have no decimal places: enter a whole number, like 3,000."],
    ["1e5", "Enter the amount in digits, like 3,000."],
    ["49", "The smallest gift we can take is ¥50."],
    ["999999999999", "The largest gift we can take at once is ¥99,999,999."],
  ])("refuses the amount %j before Stripe is called: %s", async (typed, message) => {
    const before = await donationCount();
    const res = await post(`/needs/${jpyNeed.slug}`, donateFields({ amount: "custom", customAmount: typed }));
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(fieldError(html, "customAmount")).toBe(message);
    // The error summary lists it too, and what the donor typed is kept.
    expect(html).toContain('class="error-summary"');
    expect(html).toContain(`value="${typed.replace(/&/g, "&amp;")}"`);
    expect(html).toContain('value="aiko@example.org"');
    expect(stripe.requests).toHaveLength(0);
    expect(await donationCount()).toBe(before);
  });

  it("refuses a bad amount in Japanese for a Japanese donor", async () => {
    const res = await post(`/needs/${jpyNeed.slug}`, donateFields({ amount: "custom", customAmount: "12.5" }), { "Accept-Language": "ja" });
    expect(res.status).toBe(400);
    expect(fieldError(await res.text(), "customAmount")).toBe("JPY の金額に小数は使えません。整数で入力してください（例：3,000）。");
    expect(stripe.requests).toHaveLength(0);
  });

  it("refuses other bad fields with messages next to them, and writes nothing", async () => {
    const before = await donationCount();
    const res = await post(`/needs/${jpyNeed.slug}`, donateFields({ email: "nope", display: "public", donorName: "", message: "x".repeat(501), item: "999999" }));
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(fieldError(html, "email")).toBe("Enter an email address like name@example.com.");
    expect(fieldError(html, "donorName")).toBe("Enter the name to show, or choose to be anonymous to the public.");
    expect(fieldError(html, "message")).toBe("Keep the message to 500 characters or fewer.");
    expect(fieldError(html, "item")).toBe("Choose one of the listed items, or “where it is needed most”.");
    expect(stripe.requests).toHaveLength(0);
    expect(await donationCount()).toBe(before);
  });

  it("makes one donation and one Checkout Session of a form submitted twice", async () => {
    const fields = donateFields();
    const ip = nextIp();
    const first = await post(`/needs/${jpyNeed.slug}`, fields, { "X-Forwarded-For": ip });
    const second = await post(`/needs/${jpyNeed.slug}`, fields, { "X-Forwarded-For": ip });
    expect(first.status).toBe(303);
    expect(second.status).toBe(303);
    expect(second.headers.get("location")).toBe(first.headers.get("location"));
    expect(stripe.sessions).toHaveLength(1);
    // The second submit found the open session: Stripe was not even asked again.
    expect(stripe.requests).toHaveLength(1);
    const rows = await db().selectFrom("donations").where("submission_token", "like", `${fields.token}:%`).select("id").execute();
    expect(rows).toHaveLength(1);
  });

  it("makes one donation and one Checkout Session of a form submitted five times at once", async () => {
    const fields = donateFields({ amount: "5000" });
    const ip = nextIp();
    const responses = await Promise.all(Array.from({ length: 5 }, () => post(`/needs/${jpyNeed.slug}`, fields, { "X-Forwarded-For": ip })));
    expect(responses.map((r) => r.status)).toEqual([303, 303, 303, 303, 303]);
    expect(new Set(responses.map((r) => r.headers.get("location"))).size).toBe(1);
    // Requests that raced past the "has a session" check carried the same idempotency key, so Stripe replayed one session.
    expect(stripe.sessions).toHaveLength(1);
    expect(new Set(stripe.requests.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(stripe.requests.filter((r) => !r.replayed)).toHaveLength(1);
    const rows = await db().selectFrom("donations").where("submission_token", "like", `${fields.token}:%`).select(["id", "stripe_checkout_session_id"]).execute();
    expect(rows).toEqual([{ id: rows[0]!.id, stripe_checkout_session_id: stripe.sessions[0]!.id }]);
  });

  it("treats a restored form that was changed as a new donation, not the old one's session", async () => {
    const fields = donateFields({ amount: "1000" });
    const first = await post(`/needs/${jpyNeed.slug}`, fields);
    const changed = await post(`/needs/${jpyNeed.slug}`, { ...fields, amount: "3000" });
    expect(first.status).toBe(303);
    expect(changed.status).toBe(303);
    expect(changed.headers.get("location")).not.toBe(first.headers.get("location"));
    expect(stripe.sessions.map((s) => s.amount_total)).toEqual([1_000, 3_000]);
  });

  it("sends a form whose session has expired back with a fresh form instead of to a dead checkout", async () => {
    const fields = donateFields();
    expect((await post(`/needs/${jpyNeed.slug}`, fields)).status).toBe(303);
    await db().updateTable("donations").set({ checkout_expires_at: new Date(Date.now() - 1000) }).where("stripe_checkout_session_id", "=", stripe.sessions[0]!.id).execute();
    const again = await post(`/needs/${jpyNeed.slug}`, fields);
    expect(again.status).toBe(400);
    expect(text(await again.text())).toContain("This form was already used for a payment that has ended.");
    expect(stripe.sessions).toHaveLength(1);
  });

  it("refuses a filled honeypot with 400 and writes nothing", async () => {
    const before = await donationCount();
    const res = await post(`/needs/${jpyNeed.slug}`, donateFields({ website: "http://cheap-pills.example" }));
    expect(res.status).toBe(400);
    expect(text(await res.text())).toContain("This form could not be sent.");
    expect(stripe.requests).toHaveLength(0);
    expect(await donationCount()).toBe(before);
  });

  it("slows card testing down: the 11th attempt from one address in ten minutes is a 429", async () => {
    const ip = nextIp();
    for (let i = 0; i < 10; i++) {
      const res = await post(`/needs/${jpyNeed.slug}`, donateFields(), { "X-Forwarded-For": ip });
      expect(res.status).toBe(303);
    }
    const before = await donationCount();
    const refused = await post(`/needs/${jpyNeed.slug}`, donateFields(), { "X-Forwarded-For": ip });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(text(await refused.text())).toMatch(/Too many donation attempts from your connection\. Please wait (\d+ minutes|a minute) and try again\./);
    expect(await donationCount()).toBe(before);
    expect(stripe.sessions).toHaveLength(10);
    // Another address is not affected.
    expect((await post(`/needs/${jpyNeed.slug}`, donateFields())).status).toBe(303);
  });

  it("takes no donation for a need whose organisation cannot take charges, and says so", async () => {
    const other = await createOrganiser(db(), { orgName: "Not yet connected" });
    const need = await createTestNeed(db(), other.organisationId, { slug: "not-connected-need" });
    await db().updateTable("organisations").set({ charges_enabled: false }).where("id", "=", other.organisationId).execute();
    const page = await (await get(`/needs/${need.slug}`)).text();
    expect(page).not.toContain('name="customAmount"');
    expect(text(page)).toContain("Not yet connected cannot take online donations yet.");
    const before = await donationCount();
    const res = await post(`/needs/${need.slug}`, donateFields());
    expect(res.status).toBe(409);
    expect(stripe.requests).toHaveLength(0);
    expect(await donationCount()).toBe(before);
  });

  it("takes no donation for a need that is no longer live", async () => {
    const need = await createTestNeed(db(), org.organisationId, { slug: "funded-already" });
    await db().updateTable("needs").set({ status: "funded" }).where("id", "=", need.id).execute();
    const page = await (await get(`/needs/${need.slug}`)).text();
    expect(page).not.toContain('name="customAmount"');
    const res = await post(`/needs/${need.slug}`, donateFields());
    expect(res.status).toBe(409);
    expect(stripe.requests).toHaveLength(0);
  });

  it("keeps the form and writes no session when Stripe refuses, then succeeds on retry with the same donation", async () => {
    stripe.failNext(1, 400);
    const fields = donateFields();
    const res = await post(`/needs/${jpyNeed.slug}`, fields);
    expect(res.status).toBe(503);
    expect(text(await res.text())).toContain("We could not open the payment page just now. Nothing was charged");
    const row = await db().selectFrom("donations").where("submission_token", "like", `${fields.token}:%`).select(["id", "stripe_checkout_session_id"]).executeTakeFirstOrThrow();
    expect(row.stripe_checkout_session_id).toBeNull();
    const retry = await post(`/needs/${jpyNeed.slug}`, fields);
    expect(retry.status).toBe(303);
    const keys = stripe.requests.map((r) => r.idempotencyKey);
    expect(keys).toEqual([`checkout-session:${row.id}`, `checkout-session:${row.id}`]);
    const rows = await db().selectFrom("donations").where("submission_token", "like", `${fields.token}:%`).select("stripe_checkout_session_id").execute();
    expect(rows).toEqual([{ stripe_checkout_session_id: stripe.sessions[0]!.id }]);
  });

  it("says nothing was charged when the donor comes back from Checkout", async () => {
    const html = await (await get(`/needs/${jpyNeed.slug}?checkout=cancelled`)).text();
    expect(text(html)).toContain("You left the payment page, so nothing was charged.");
  });
});

describe("the thank-you page with Stripe", () => {
  async function donate(extra: Record<string, string> = {}) {
    const res = await post(`/needs/${jpyNeed.slug}`, donateFields(extra));
    expect(res.status).toBe(303);
    const session = stripe.sessions.at(-1)!;
    const donation = await db().selectFrom("donations").where("stripe_checkout_session_id", "=", session.id).selectAll().executeTakeFirstOrThrow();
    return { session, donation };
  }

  /** Stripe's webhook, signed with the endpoint's secret, as Stripe sends it for a connected account. */
  async function deliver(type: string, object: Record<string, unknown>) {
    const payload = JSON.stringify({
      id: `evt_${randomBytes(12).toString("hex")}`,
      object: "event",
      api_version: STRIPE_API_VERSION,
      account: account(),
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
      data: { object },
    });
    const res = await fetch(`${app.url}/webhooks/stripe`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Stripe-Signature": signWebhookPayload(payload, WEBHOOK_SECRET) },
      body: payload,
    });
    expect(res.status).toBe(200);
  }

  it("shows 'processing' while pending and never changes the donation itself", async () => {
    const { session, donation } = await donate();
    for (let i = 0; i < 3; i++) {
      const res = await get(`/needs/${jpyNeed.slug}/thanks?session_id=${session.id}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      const html = text(await res.text());
      expect(html).toContain("Your payment is being processed");
      expect(html).toContain("Stripe is confirming your gift of ¥3,000 to “Refrigerator for the shelter”.");
    }
    const after = await db().selectFrom("donations").where("id", "=", donation.id).selectAll().executeTakeFirstOrThrow();
    expect(after).toEqual(donation);
  });

  it("says thank you once the signed webhook has counted the payment", async () => {
    const { session, donation } = await donate({ coverFee: "1" });
    await deliver("checkout.session.completed", {
      id: session.id,
      object: "checkout.session",
      amount_subtotal: session.amount_total,
      amount_total: session.amount_total,
      currency: "jpy",
      customer_email: "aiko@example.org",
      metadata: { donation_id: String(donation.id), need_id: String(jpyNeed.id) },
      mode: "payment",
      payment_intent: `pi_${randomBytes(12).toString("hex")}`,
      payment_status: "paid",
      status: "complete",
    });
    const html = text(await (await get(`/needs/${jpyNeed.slug}/thanks?session_id=${session.id}`)).text());
    expect(html).toContain("Thank you for your gift");
    expect(html).toContain("Yodogawa Refuge Network has received your gift of ¥3,000 to “Refrigerator for the shelter”.");
    expect(html).toContain(`You also covered the processing fee of ¥${feeCover(3_000, "JPY")}.`);
    expect(html).toContain("Your name is shown with your gift on the need page.");
  });

  it("is a friendly 404 for an unknown session, or one of another need", async () => {
    const { session } = await donate();
    for (const path of [`/needs/${jpyNeed.slug}/thanks?session_id=cs_test_unknown`, `/needs/${jpyNeed.slug}/thanks`, `/needs/${usdNeed.slug}/thanks?session_id=${session.id}`]) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(text(await res.text())).toContain("We could not find that payment");
    }
  });

  it("has no demo checkout: its address is a 404 with real payments", async () => {
    const { session } = await donate();
    expect((await get(`/checkout/demo/${session.id}`)).status).toBe(404);
    expect((await post(`/checkout/demo/${session.id}`, { intent: "pay" })).status).toBe(404);
    const row = await db().selectFrom("donations").where("stripe_checkout_session_id", "=", session.id).select("status").executeTakeFirstOrThrow();
    expect(row.status).toBe("pending");
  });
});
