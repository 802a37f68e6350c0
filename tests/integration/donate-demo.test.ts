import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { feeCover } from "~/fees";
import { getPublicNeed } from "~/models/needs.server";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { postForm, pageText } from "../support/donate-form";
import { createOrganiser, createTestNeed, type Organiser } from "../support/needs";
import { connectOrganisation } from "../support/stripe-events";

/**
 * Demo payments end to end over HTTP, on the embedded defaults (no STRIPE_SECRET_KEY): the
 * donate form, the built-in checkout page, and the Stripe-shaped signed events it feeds into
 * the real webhook handler. No request leaves the process (msw fails the test if one does).
 */

let database: TestDatabase;
let app: TestApp;
let org: Organiser;
let need: { id: number; slug: string };

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp(database.db, { TRUST_PROXY: "1" });
  org = await createOrganiser(database.db, { orgName: "Yodogawa Refuge Network" });
  // A demo connected account that can take charges (set here too, so this file does not depend on the factory's default).
  await connectOrganisation(database.db, org.organisationId, `acct_demo_${org.organisationId}`);
  need = await createTestNeed(database.db, org.organisationId, { slug: "demo-fridge" });
});
afterAll(async () => {
  await app?.close();
  await database?.destroy();
});

const db = () => database.db;
const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) => postForm(app, path, fields, headers);
const get = (path: string) => fetch(`${app.url}${path}`, { redirect: "manual" });
const text = pageText;

const donateFields = (extra: Record<string, string> = {}) => ({
  token: randomBytes(16).toString("base64url"),
  amount: "3000",
  donorName: "Aiko Tanaka",
  display: "public",
  message: "Keep the food cold!",
  email: `aiko-${randomBytes(4).toString("hex")}@example.org`,
  updates: "1",
  website: "",
  ...extra,
});

/** Posts the donate form and follows it to the demo checkout; returns the session id. */
async function startDemoCheckout(extra: Record<string, string> = {}) {
  const res = await post(`/needs/${need.slug}`, donateFields(extra));
  expect(res.status).toBe(303);
  const location = res.headers.get("location")!;
  expect(location).toMatch(/^\/checkout\/demo\/cs_demo_[0-9a-f]+$/);
  const sessionId = location.split("/").at(-1)!;
  const donation = await db().selectFrom("donations").where("stripe_checkout_session_id", "=", sessionId).selectAll().executeTakeFirstOrThrow();
  expect(donation).toMatchObject({ status: "pending", checkout_url: location, stripe_account_id: `acct_demo_${org.organisationId}` });
  return { sessionId, location, donation };
}

const raised = async () => (await getPublicNeed(db(), need.slug))!.raised;
const status = async (sessionId: string) =>
  (await db().selectFrom("donations").where("stripe_checkout_session_id", "=", sessionId).select("status").executeTakeFirstOrThrow()).status;
const receipts = async (donationId: number) =>
  Number(
    (
      await db()
        .selectFrom("outbox_emails")
        .where("kind", "=", "receipt")
        .where("idempotency_key", "=", `receipt:${donationId}`)
        .select(sql<number>`count(*)`.as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe(`demo payments end to end on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("donate → demo checkout → pay → thank you: the donation succeeds, the need's total rises, a receipt is queued", async () => {
    const before = await raised();
    const { sessionId, location, donation } = await startDemoCheckout({ coverFee: "1" });
    const cover = feeCover(3_000, "JPY");
    expect(donation.fee_cover).toBe(cover);

    const page = await get(location);
    expect(page.status).toBe(200);
    const html = text(await page.text());
    expect(html).toContain("Demo checkout — no real money");
    expect(html).toContain("Yodogawa Refuge Network");
    expect(html).toContain("Refrigerator for the shelter");
    expect(html).toContain("Donation ¥3,000");
    expect(html).toContain(`Processing fee (covered by you) ¥${cover}`);
    expect(html).toContain(`Total ¥${(3_000 + cover).toLocaleString("en")}`);

    const paid = await post(location, { intent: "pay" });
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toBe(`/needs/${need.slug}/thanks?session_id=${sessionId}`);

    expect(await status(sessionId)).toBe("succeeded");
    // The gift counts toward the goal; the fee cover does not.
    expect(await raised()).toBe(before + 3_000);
    expect(await receipts(donation.id)).toBe(1);
    // The event went through the ledger like any Stripe event: recorded once, for this donation.
    const events = await db().selectFrom("stripe_events").where("donation_id", "=", donation.id).select(["type", "outcome", "account_id"]).execute();
    expect(events).toEqual([{ type: "checkout.session.completed", outcome: "processed", account_id: `acct_demo_${org.organisationId}` }]);

    const thanks = text(await (await get(`/needs/${need.slug}/thanks?session_id=${sessionId}`)).text());
    expect(thanks).toContain("Thank you for your gift");
    expect(thanks).toContain("has received your gift of ¥3,000");

    // Pressing "pay" again (a double click, the back button) pays nothing twice.
    const again = await post(location, { intent: "pay" });
    expect(again.status).toBe(303);
    expect(await raised()).toBe(before + 3_000);
    expect(await receipts(donation.id)).toBe(1);
    // And the checkout page now just says it is finished.
    expect(text(await (await get(location)).text())).toContain("This payment is finished.");
  });

  it("pay later: pending until the payment arrives, then counted once", async () => {
    const before = await raised();
    const { sessionId, location, donation } = await startDemoCheckout({ amount: "5000" });
    const later = await post(location, { intent: "later" });
    expect(later.status).toBe(303);
    expect(later.headers.get("location")).toBe(location);
    expect(await status(sessionId)).toBe("pending");
    expect(text(await (await get(location)).text())).toContain("Waiting for the payment");
    expect(text(await (await get(`/needs/${need.slug}/thanks?session_id=${sessionId}`)).text())).toContain("Your payment is being processed");
    expect(await raised()).toBe(before);

    const arrives = await post(location, { intent: "arrives" });
    expect(arrives.status).toBe(303);
    expect(arrives.headers.get("location")).toBe(`/needs/${need.slug}/thanks?session_id=${sessionId}`);
    expect(await status(sessionId)).toBe("succeeded");
    expect(await raised()).toBe(before + 5_000);
    expect(await receipts(donation.id)).toBe(1);
  });

  it("pay later, then the payment fails: nothing is counted and the thank-you page says so", async () => {
    const before = await raised();
    const { sessionId, location, donation } = await startDemoCheckout({ amount: "1000" });
    expect((await post(location, { intent: "later" })).status).toBe(303);
    expect((await post(location, { intent: "fails" })).status).toBe(303);
    expect(await status(sessionId)).toBe("failed");
    expect(await raised()).toBe(before);
    expect(await receipts(donation.id)).toBe(0);
    expect(text(await (await get(`/needs/${need.slug}/thanks?session_id=${sessionId}`)).text())).toContain("The payment did not go through");
  });

  it("decline: the card is refused on the demo page, nothing is recorded, and the donor can try again", async () => {
    const before = await raised();
    const { sessionId, location, donation } = await startDemoCheckout();
    const declined = await post(location, { intent: "decline" });
    expect(declined.status).toBe(402);
    const html = text(await declined.text());
    expect(html).toContain("Your card was declined. Nothing was charged.");
    expect(html).toContain("Cancel and go back to the need");
    expect(await status(sessionId)).toBe("pending");
    expect(await db().selectFrom("stripe_events").where("donation_id", "=", donation.id).select("id").execute()).toEqual([]);

    // Try again with another card: it goes through.
    expect((await post(location, { intent: "pay" })).status).toBe(303);
    expect(await status(sessionId)).toBe("succeeded");
    expect(await raised()).toBe(before + 3_000);
  });

  it("refuses unknown choices and unknown sessions", async () => {
    const { location } = await startDemoCheckout();
    expect((await post(location, { intent: "refund-everything" })).status).toBe(400);
    expect((await get("/checkout/demo/cs_demo_000000000000000000000000")).status).toBe(404);
    expect((await post("/checkout/demo/cs_demo_000000000000000000000000", { intent: "pay" })).status).toBe(404);
  });

  it("expires an unpaid demo session after its time, as Stripe would, and counts nothing", async () => {
    const { sessionId, location } = await startDemoCheckout();
    await db().updateTable("donations").set({ checkout_expires_at: new Date(Date.now() - 1000) }).where("stripe_checkout_session_id", "=", sessionId).execute();
    expect(text(await (await get(location)).text())).toContain("This checkout has expired.");
    const pay = await post(location, { intent: "pay" });
    expect(pay.status).toBe(303);
    expect(await status(sessionId)).toBe("expired");
    expect(text(await (await get(`/needs/${need.slug}/thanks?session_id=${sessionId}`)).text())).toContain("This payment page has expired");
  });
});

describe("demo payments in production", () => {
  it("shows the banner on every page only when DEMO_PAYMENTS is explicitly on", async () => {
    const production = {
      NODE_ENV: "production",
      SESSION_SECRET: "s".repeat(40),
      APP_URL: "https://tomoni.example",
      RESEND_API_KEY: "re_test_key",
      DEMO_CONTENT: "0",
    };
    const demo = await startTestApp(db(), { ...production, DEMO_PAYMENTS: "1" });
    try {
      for (const path of ["/", `/needs/${need.slug}`, "/login"]) {
        const html = text(await (await fetch(`${demo.url}${path}`)).text());
        expect(html).toContain("Demo payments — no real money is taken");
      }
    } finally {
      await demo.close();
    }
    // Development runs demo payments by default, without a banner (nobody mistakes it for a live site).
    expect(text(await (await get(`/needs/${need.slug}`)).text())).not.toContain("Demo payments — no real money is taken");
  });
});
