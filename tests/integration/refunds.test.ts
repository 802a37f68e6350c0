import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "~/db.server";
import { listOrganisationNeeds } from "~/models/needs.server";
import type { DonationStatus } from "~/models/schema";
import { createStripeRefundsMock, type StripeRefundsMock } from "../mocks/stripe-refunds";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { mswServer } from "../support/msw";
import { createOrganiser, createTestNeed, type Organiser } from "../support/needs";

let database: TestDatabase;
let stripeApp: TestApp;
let demoApp: TestApp;
let owner: Organiser;
let organiser: Organiser;
let outsider: Organiser;
let need: { id: number; slug: string };
let stripe: StripeRefundsMock;
let accountId: string;

let counter = 0;

/** A succeeded donation as the webhook leaves it: PaymentIntent and connected account known. */
async function insertDonation(db: Database, values: { amount: number; feeCover?: number; status?: DonationStatus; refunded?: number }): Promise<number> {
  const n = ++counter;
  const paid = (values.status ?? "succeeded") === "succeeded";
  const row = await db
    .insertInto("donations")
    .values({
      need_id: need.id,
      amount: values.amount,
      fee_cover: values.feeCover ?? 0,
      currency: "JPY",
      donor_name: `Donor ${n}`,
      donor_email: `refund-donor-${n}@example.org`,
      status: values.status ?? "succeeded",
      refunded_amount: values.refunded ?? 0,
      stripe_checkout_session_id: `cs_test_refund_${process.pid}_${n}`,
      stripe_payment_intent_id: `pi_refund_${process.pid}_${n}`,
      stripe_account_id: accountId,
      succeeded_at: paid ? new Date() : null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

beforeAll(async () => {
  database = await createTestDatabase();
  stripeApp = await startTestApp(database.db, { STRIPE_SECRET_KEY: "sk_test_refunds", STRIPE_WEBHOOK_SECRET: "whsec_test_refunds" });
  demoApp = await startTestApp(database.db);
  owner = await createOrganiser(database.db, { orgName: "Yodogawa Refuge Network" });
  organiser = await createOrganiser(database.db, { organisationId: owner.organisationId, role: "organiser" });
  outsider = await createOrganiser(database.db);
  accountId = (await database.db.selectFrom("organisations").where("id", "=", owner.organisationId).select("stripe_account_id").executeTakeFirstOrThrow())
    .stripe_account_id!;
  need = await createTestNeed(database.db, owner.organisationId);
});
afterAll(async () => {
  await stripeApp?.close();
  await demoApp?.close();
  await database?.destroy();
});
beforeEach(() => {
  stripe = createStripeRefundsMock();
  mswServer.use(...stripe.handlers);
});

const db = () => database.db;
const path = (id: number) => `/dashboard/${owner.orgSlug}/donations/${id}`;
const get = (app: TestApp, p: string, cookie: string) => fetch(`${app.url}${p}`, { headers: { Cookie: cookie }, redirect: "manual" });
const post = (app: TestApp, p: string, fields: Record<string, string>, cookie: string) =>
  fetch(`${app.url}${p}`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: app.url, "Sec-Fetch-Site": "same-origin", Cookie: cookie },
    body: new URLSearchParams(fields).toString(),
  });

/** The refund form's token and default amount, as the page renders them. */
async function refundForm(app: TestApp, id: number, cookie = owner.cookie) {
  const html = await (await get(app, path(id), cookie)).text();
  const token = /<input type="hidden" name="token" value="([^"]+)"/.exec(html)?.[1];
  const amount = /<input[^>]*id="amount"[^>]*value="([^"]*)"/.exec(html)?.[1];
  if (!token) throw new Error("no refund form on the page");
  return { token, amount, html };
}

function fieldError(html: string, id: string): string | undefined {
  const match = new RegExp(`<p id="${id}-error" class="field-error">(.*?)</p>`, "s").exec(html);
  return match?.[1]
    ?.replace(/<[^>]+>/g, "")
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .trim();
}

const refundedAmount = async (id: number) =>
  (await db().selectFrom("donations").where("id", "=", id).select("refunded_amount").executeTakeFirstOrThrow()).refunded_amount;
const raised = async () => (await listOrganisationNeeds(db(), owner.organisationId)).find((n) => n.slug === need.slug)!.raised;

describe(`refunds through Stripe on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("refunds ¥3,000 of ¥10,000: one Stripe call on the connected account, keyed by donation and form token", async () => {
    const id = await insertDonation(db(), { amount: 10_000 });
    const { token, amount } = await refundForm(stripeApp, id);
    expect(amount).toBe("10000");

    const res = await post(stripeApp, path(id), { amount: "3,000", token }, owner.cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${path(id)}?notice=refund-requested`);

    const calls = stripe.calls("POST /v1/refunds");
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      stripeAccount: accountId,
      idempotencyKey: `refund:${id}:${token}`,
      params: { amount: "3000", payment_intent: `pi_refund_${process.pid}_${counter}`, "metadata[donation_id]": String(id) },
    });
    // The webhook confirms refunds; until then nothing is counted here.
    expect(await refundedAmount(id)).toBe(0);
    const page = await (await get(stripeApp, `${path(id)}?notice=refund-requested`, owner.cookie)).text();
    expect(page).toContain("Refund requested.");
  });

  it("refuses to refund a charge under an open or lost dispute, without asking Stripe; a won dispute refunds as usual", async () => {
    for (const disputeStatus of ["needs_response", "lost"]) {
      const id = await insertDonation(db(), { amount: 10_000 });
      await db().updateTable("donations").set({ dispute_status: disputeStatus, disputed_amount: 10_000 }).where("id", "=", id).execute();
      const html = await (await get(stripeApp, path(id), owner.cookie)).text();
      expect(html).toContain("This payment is disputed by the donor&#x27;s bank.");
      expect(html).not.toContain('name="amount"');
      // A form from before the dispute, posted now.
      const res = await post(stripeApp, path(id), { amount: "3000", token: "t".repeat(24) }, owner.cookie);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("It cannot be refunded while the dispute is open, or after it is lost");
      // And the same in demo mode, where no Stripe would have refused it.
      expect((await post(demoApp, path(id), { amount: "3000", token: "u".repeat(24) }, owner.cookie)).status).toBe(400);
      expect(await refundedAmount(id)).toBe(0);
    }
    expect(stripe.calls("POST /v1/refunds")).toHaveLength(0);

    const won = await insertDonation(db(), { amount: 10_000 });
    await db().updateTable("donations").set({ dispute_status: "won", disputed_amount: 10_000 }).where("id", "=", won).execute();
    const { token, amount } = await refundForm(stripeApp, won);
    expect(amount).toBe("10000");
    expect((await post(stripeApp, path(won), { amount: "3000", token }, owner.cookie)).status).toBe(303);
    expect(stripe.calls("POST /v1/refunds")).toHaveLength(1);
  });

  it("sends a double submit of one form under the same idempotency key, so Stripe makes one refund", async () => {
    const id = await insertDonation(db(), { amount: 10_000 });
    const { token } = await refundForm(stripeApp, id);
    const [first, second] = await Promise.all([
      post(stripeApp, path(id), { amount: "3000", token }, owner.cookie),
      post(stripeApp, path(id), { amount: "3000", token }, owner.cookie),
    ]);
    expect([first.status, second.status]).toEqual([303, 303]);
    const again = await post(stripeApp, path(id), { amount: "3000", token }, owner.cookie);
    expect(again.status).toBe(303);
    const calls = stripe.calls("POST /v1/refunds");
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.idempotencyKey))).toEqual(new Set([`refund:${id}:${token}`]));
    expect(stripe.refunds).toHaveLength(1);
    // A new rendering of the form is a new token: a deliberate second refund is a new key.
    const next = await refundForm(stripeApp, id);
    expect(next.token).not.toBe(token);
  });

  it.each([
    ["10,001", "en", "That is more than can still be refunded (see the limit above)."],
    ["abc", "en", "Enter the amount in digits, like 3,000."],
    ["-5", "en", "The amount cannot be negative."],
    ["0", "en", "The amount must be more than zero."],
    ["1.5", "en", "That has more decimal places than the currency allows."],
    ["", "en", "Enter the amount to refund."],
    ["10,001", "ja", "返金できる残りの金額を超えています（上に表示されている上限をご確認ください）。"],
    ["abc", "ja", "金額は数字で入力してください（例：3,000）。"],
  ])("refuses %j with a message next to the field (%s), and never calls Stripe", async (typed, lang, message) => {
    const id = await insertDonation(db(), { amount: 10_000 });
    const { token } = await refundForm(stripeApp, id);
    const res = await post(stripeApp, path(id), { amount: typed, token }, `${owner.cookie}; lang=${lang}`);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(fieldError(html, "amount")).toBe(`${lang === "ja" ? "エラー：" : "Error:"} ${message}`);
    expect(html).toMatch(new RegExp(`<input[^>]*id="amount"[^>]*value="${typed.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"`));
    expect(stripe.calls("POST /v1/refunds")).toHaveLength(0);
  });

  it("counts earlier refunds and the fee cover in what can be refunded", async () => {
    // ¥5,000 + ¥200 fee cover, ¥1,000 already refunded: ¥4,200 left.
    const id = await insertDonation(db(), { amount: 5_000, feeCover: 200, refunded: 1_000 });
    const { token, amount, html } = await refundForm(stripeApp, id);
    expect(amount).toBe("4200");
    expect(html).toContain("Up to ¥4,200.");
    expect((await post(stripeApp, path(id), { amount: "4,201", token }, owner.cookie)).status).toBe(400);
    expect(stripe.calls("POST /v1/refunds")).toHaveLength(0);
    expect((await post(stripeApp, path(id), { amount: "4,200", token }, owner.cookie)).status).toBe(303);
    expect(stripe.calls("POST /v1/refunds")[0]!.params.amount).toBe("4200");
  });

  it("refuses a donation that has not succeeded", async () => {
    const id = await insertDonation(db(), { amount: 3_000, status: "pending" });
    const res = await post(stripeApp, path(id), { amount: "3000", token: "AAAAAAAAAAAAAAAAAAAAAAAA" }, owner.cookie);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toMatch(/class="error-summary"[^>]*>.*Only succeeded donations can be refunded\./s);
    expect(html).not.toContain('name="token"');
    expect(stripe.calls("POST /v1/refunds")).toHaveLength(0);
  });

  it("lets only owners refund: organisers get 403, non-members 404, and Stripe is never called", async () => {
    const id = await insertDonation(db(), { amount: 10_000 });
    const { html } = await refundForm(stripeApp, id);
    const token = /name="token" value="([^"]+)"/.exec(html)![1]!;
    const organiserPage = await (await get(stripeApp, path(id), organiser.cookie)).text();
    expect(organiserPage).not.toContain('name="token"');
    expect(organiserPage).toContain("Only owners of this organisation can refund donations.");

    const asOrganiser = await post(stripeApp, path(id), { amount: "3000", token }, organiser.cookie);
    expect(asOrganiser.status).toBe(403);
    expect(await asOrganiser.text()).toContain("Only owners of this organisation can do that.");
    expect((await post(stripeApp, path(id), { amount: "3000", token }, outsider.cookie)).status).toBe(404);
    // The outsider's own organisation does not reach this donation either.
    expect((await post(stripeApp, `/dashboard/${outsider.orgSlug}/donations/${id}`, { amount: "3000", token }, outsider.cookie)).status).toBe(404);
    expect(stripe.calls("POST /v1/refunds")).toHaveLength(0);
  });

  it("shows Stripe's refusal as a message (not a 500) and renders a fresh token for the next try", async () => {
    const id = await insertDonation(db(), { amount: 10_000 });
    const { token } = await refundForm(stripeApp, id);
    stripe.failRefunds(1);
    const res = await post(stripeApp, path(id), { amount: "3000", token }, owner.cookie);
    expect(res.status).toBe(502);
    const html = await res.text();
    expect(html).toContain("Stripe could not make this refund.");
    const rendered = /name="token" value="([^"]+)"/.exec(html)![1]!;
    expect(rendered).not.toBe(token);
    expect(stripe.calls("POST /v1/refunds")).toHaveLength(1);
  });

  it("refuses a form token that our form did not make", async () => {
    const id = await insertDonation(db(), { amount: 10_000 });
    const res = await post(stripeApp, path(id), { amount: "3000", token: "x" }, owner.cookie);
    expect(res.status).toBe(400);
    expect(stripe.calls("POST /v1/refunds")).toHaveLength(0);
  });
});

describe(`demo refunds on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("go through the webhook handler as Stripe's events would: the need's total goes down by the refund, once", async () => {
    const id = await insertDonation(db(), { amount: 10_000 });
    const before = await raised();
    const { token } = await refundForm(demoApp, id);

    const res = await post(demoApp, path(id), { amount: "3,000", token }, owner.cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${path(id)}?notice=refunded`);
    expect(await refundedAmount(id)).toBe(3_000);
    expect(await raised()).toBe(before - 3_000);
    const events = await db().selectFrom("stripe_events").where("donation_id", "=", id).select(["type", "outcome", "account_id"]).orderBy("type").execute();
    expect(events).toEqual([
      { type: "charge.refunded", outcome: "processed", account_id: accountId },
      { type: "refund.created", outcome: "processed", account_id: accountId },
    ]);
    const refunds = await db().selectFrom("payment_refunds").where("payment_intent_id", "=", `pi_refund_${process.pid}_${counter}`).selectAll().execute();
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ amount: 3_000, currency: "JPY", status: "succeeded" });

    // The same form sent again (a double click) is the same refund.
    expect((await post(demoApp, path(id), { amount: "3,000", token }, owner.cookie)).status).toBe(303);
    expect(await refundedAmount(id)).toBe(3_000);
    expect(await raised()).toBe(before - 3_000);

    // The rest, from a new rendering of the form, which now offers ¥7,000.
    const next = await refundForm(demoApp, id);
    expect(next.amount).toBe("7000");
    expect(next.html).toContain("re_demo_");
    expect((await post(demoApp, path(id), { amount: next.amount!, token: next.token }, owner.cookie)).status).toBe(303);
    expect(await refundedAmount(id)).toBe(10_000);
    expect(await raised()).toBe(before - 10_000);
    const done = await (await get(demoApp, `${path(id)}?notice=refunded`, owner.cookie)).text();
    expect(done).toContain("Refunded. The need’s total has been updated.");
    expect(done).toContain("This donation has been refunded in full.");
    expect(done).not.toContain('name="token"');
    // Demo mode never calls Stripe.
    expect(stripe.requests).toHaveLength(0);
  });
});
