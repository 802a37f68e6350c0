import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import type Stripe from "stripe";
import { renderEmail } from "~/email/render.server";
import { raisedOf } from "~/models/needs.server";
import type { Database } from "~/db.server";
import { lockNeed, paymentTotals } from "~/models/payment-ledger.server";
import { goalChecksSettled } from "~/payments/goal-checks.server";
import { HANDLED_EVENT_TYPES, processStripeEvent, receiveStripeWebhook } from "~/payments/webhook.server";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { createOrganiser, createTestNeed, type Organiser } from "../support/needs";
import {
  account,
  charge,
  checkoutSession,
  CONNECT_SECRETS,
  connectOrganisation,
  createPendingDonation,
  deliverOverHttp,
  dispute,
  ledgerSnapshot,
  newAccountId,
  nextCreated,
  PLATFORM_SECRETS,
  postStripeWebhook,
  refund,
  signature,
  signed,
  STRIPE_TEST_ENV,
  stripeEvent,
  stripeTestContext,
  type PendingDonation,
} from "../support/stripe-events";

let database: TestDatabase;
let app: TestApp;
let ctx: ReturnType<typeof stripeTestContext>;
let owner: Organiser;
let accountId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  ctx = stripeTestContext(database.db);
  app = await startTestApp(database.db, STRIPE_TEST_ENV);
  owner = await createOrganiser(database.db, { orgName: "Yodogawa Refuge Network" });
  accountId = await connectOrganisation(database.db, owner.organisationId);
});
afterAll(async () => {
  await app?.close();
  await database?.destroy();
});

const db = () => database.db;

/** A live need with a goal far above any test donation, unless items say otherwise. */
async function newNeed(goal = 1_000_000, organisationId = owner.organisationId) {
  return createTestNeed(db(), organisationId, { items: [{ name: "Everything", description: "", quantity: 1, unitCost: goal }] });
}

async function pending(needId: number, amount = 10_000, extra: Partial<Parameters<typeof createPendingDonation>[1]> = {}) {
  return createPendingDonation(db(), { needId, amount, accountId, ...extra });
}

/** Signs and hands an event to the webhook exactly as the route does, without HTTP. */
async function deliver(event: Stripe.Event, secret: string = CONNECT_SECRETS[0]) {
  const { payload, header } = signed(event, secret);
  const result = await receiveStripeWebhook(ctx, payload, header);
  // Every delivery in these tests is genuine: a 500 is a bug, whatever the test checks next.
  expect(result.status).toBe(200);
  return result;
}

const completed = (d: PendingDonation, session: Record<string, unknown> = {}) =>
  stripeEvent("checkout.session.completed", checkoutSession(d, session), { account: d.accountId });
const asyncSucceeded = (d: PendingDonation) => stripeEvent("checkout.session.async_payment_succeeded", checkoutSession(d), { account: d.accountId });
const chargeRefunded = (d: PendingDonation, amountRefunded: number, created?: number) =>
  stripeEvent("charge.refunded", charge(d, { amount_refunded: amountRefunded, refunded: amountRefunded >= d.amount + d.feeCover }), {
    account: d.accountId,
    created,
  });

async function raised(needId: number): Promise<number> {
  const row = await db()
    .selectFrom("needs")
    .where("needs.id", "=", needId)
    .select((eb) => raisedOf(eb).as("raised"))
    .executeTakeFirstOrThrow();
  return Number(row.raised);
}

const donation = (id: number) => db().selectFrom("donations").where("id", "=", id).selectAll().executeTakeFirstOrThrow();
const eventRow = (id: string) => db().selectFrom("stripe_events").where("id", "=", id).selectAll().executeTakeFirst();
const outbox = (kind: string, key?: string) => {
  let q = db().selectFrom("outbox_emails").where("kind", "=", kind).selectAll();
  if (key) q = q.where("idempotency_key", "=", key);
  return q.orderBy("id").execute();
};

describe(`signature verification on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("accepts both platform secrets and both Connect secrets during a roll", async () => {
    for (const secret of [...PLATFORM_SECRETS, ...CONNECT_SECRETS]) {
      const event = stripeEvent("plan.created", { id: `price_${secret.slice(-6)}`, object: "plan" });
      const res = await deliverOverHttp(app.url, event, secret);
      expect(res).toEqual({ status: 200, body: "ignored" });
      expect(await eventRow(event.id)).toMatchObject({ outcome: "ignored", type: "plan.created" });
    }
  });

  it("refuses a tampered body, re-serialised JSON, a stale timestamp, a missing header and a wrong secret — 400 and nothing written", async () => {
    const need = await newNeed();
    const d = await pending(need.id);
    const event = completed(d);
    const { payload, header } = signed(event);
    const before = await ledgerSnapshot(db());

    const tampered = payload.replace(`"amount_total": ${d.amount}`, `"amount_total": ${d.amount * 100}`);
    expect(tampered).not.toBe(payload);
    const reserialised = JSON.stringify(JSON.parse(payload));
    expect(JSON.parse(reserialised)).toEqual(JSON.parse(payload));
    const staleAt = Math.floor(Date.now() / 1000) - 301;

    const attempts: Array<[string, string, string | null]> = [
      ["tampered body", tampered, header],
      ["re-serialised JSON", reserialised, header],
      ["timestamp older than 300 s", payload, signature(payload, CONNECT_SECRETS[0], staleAt)],
      ["missing header", payload, null],
      ["empty header", payload, ""],
      ["wrong secret", payload, signature(payload, "whsec_someone_elses_secret_0123")],
      ["garbage header", payload, "t=1,v1=deadbeef"],
    ];
    for (const [what, body, sig] of attempts) {
      const res = await postStripeWebhook(app.url, body, sig);
      expect({ what, ...res }).toEqual({ what, status: 400, body: "invalid signature" });
    }
    expect(await ledgerSnapshot(db())).toEqual(before);
    expect(await eventRow(event.id)).toBeUndefined();
    expect((await donation(d.id)).status).toBe("pending");

    // The genuine delivery still works afterwards.
    expect(await postStripeWebhook(app.url, payload, header)).toEqual({ status: 200, body: "processed" });
    expect((await donation(d.id)).status).toBe("succeeded");
  });

  it("takes POST only", async () => {
    for (const method of ["GET", "PUT", "DELETE"]) {
      const res = await fetch(`${app.url}/webhooks/stripe`, { method });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
    }
  });

  it("answers a body far larger than any event with a plain 413, writing nothing", async () => {
    const before = await db().selectFrom("stripe_events").select("id").execute();
    const res = await fetch(`${app.url}/webhooks/stripe`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Stripe-Signature": "t=1,v1=00" },
      body: JSON.stringify({ id: "evt_big", padding: "x".repeat(3 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect(await res.text()).toBe("payload too large");
    expect(await db().selectFrom("stripe_events").select("id").execute()).toHaveLength(before.length);
  });

  it("does not accept the demo secret when real payments are configured", async () => {
    const demoCtx = stripeTestContext(db(), { STRIPE_SECRET_KEY: "", DEMO_PAYMENTS: "1" });
    const { demoWebhookSecret } = await import("~/payments/stripe.server");
    const event = stripeEvent("plan.created", { id: "price_demo", object: "plan" });
    const { payload, header } = signed(event, demoWebhookSecret(demoCtx.env));
    expect((await receiveStripeWebhook(ctx, payload, header)).status).toBe(400);
    expect((await receiveStripeWebhook(demoCtx, payload, header)).status).toBe(200);
  });
});

describe(`checkout sessions on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("counts a paid completion once, however often it is delivered, with one receipt", async () => {
    const need = await newNeed();
    const d = await pending(need.id);
    const event = completed(d);
    expect(await deliver(event)).toEqual({ status: 200, body: "processed" });
    for (let i = 0; i < 5; i += 1) expect(await deliver(event)).toEqual({ status: 200, body: "duplicate" });
    // The same payment reported by another event (a reconcile, or Stripe re-sending under a new id).
    expect(await deliver(completed(d))).toEqual({ status: 200, body: "processed" });

    const row = await donation(d.id);
    expect(row).toMatchObject({ status: "succeeded", stripe_payment_intent_id: d.paymentIntentId });
    expect(row.succeeded_at).not.toBeNull();
    expect(await raised(need.id)).toBe(10_000);
    expect(await outbox("receipt", `receipt:${d.id}`)).toHaveLength(1);
    expect(await eventRow(event.id)).toMatchObject({ outcome: "processed", donation_id: d.id, account_id: accountId, livemode: false });
  });

  it("keeps an unpaid completion pending until the delayed payment succeeds, then counts it once", async () => {
    const need = await newNeed();
    const d = await pending(need.id);
    expect(await deliver(completed(d, { payment_status: "unpaid" }))).toEqual({ status: 200, body: "processed" });
    expect(await donation(d.id)).toMatchObject({ status: "pending", stripe_payment_intent_id: d.paymentIntentId });
    expect(await raised(need.id)).toBe(0);
    expect(await outbox("receipt", `receipt:${d.id}`)).toHaveLength(0);

    expect(await deliver(asyncSucceeded(d))).toEqual({ status: 200, body: "processed" });
    expect(await deliver(asyncSucceeded(d))).toEqual({ status: 200, body: "processed" });
    expect((await donation(d.id)).status).toBe("succeeded");
    expect(await raised(need.id)).toBe(10_000);
    expect(await outbox("receipt", `receipt:${d.id}`)).toHaveLength(1);
  });

  it("does not count a delayed payment that failed, nor an expired session", async () => {
    const need = await newNeed();
    const failing = await pending(need.id);
    await deliver(completed(failing, { payment_status: "unpaid" }));
    await deliver(stripeEvent("checkout.session.async_payment_failed", checkoutSession(failing, { payment_status: "unpaid" }), { account: accountId }));
    const failed = await donation(failing.id);
    expect(failed.status).toBe("failed");
    expect(failed.failed_at).not.toBeNull();

    const abandoned = await pending(need.id);
    await deliver(stripeEvent("checkout.session.expired", checkoutSession(abandoned, { status: "expired", payment_status: "unpaid", payment_intent: null }), { account: accountId }));
    expect((await donation(abandoned.id)).status).toBe("expired");

    expect(await raised(need.id)).toBe(0);
    expect(await outbox("receipt", `receipt:${failing.id}`)).toHaveLength(0);
    expect(await outbox("receipt", `receipt:${abandoned.id}`)).toHaveLength(0);
  });

  it("counts an async success that arrives before its completion once, and never downgrades it", async () => {
    const need = await newNeed();
    const d = await pending(need.id);
    const late = completed(d, { payment_status: "unpaid" }); // created before the success...
    await deliver(asyncSucceeded(d)); // ...but delivered after it
    await deliver(late);
    await deliver(stripeEvent("checkout.session.async_payment_failed", checkoutSession(d), { account: accountId }));
    await deliver(stripeEvent("checkout.session.expired", checkoutSession(d, { status: "expired" }), { account: accountId }));
    expect((await donation(d.id)).status).toBe("succeeded");
    expect(await raised(need.id)).toBe(10_000);
    expect(await outbox("receipt", `receipt:${d.id}`)).toHaveLength(1);
  });

  it("queues the receipt in the donor's language with the fee cover, and subscribes a donor who opted in", async () => {
    const need = await newNeed();
    const d = await pending(need.id, 10_000, { feeCover: 400, locale: "ja", updatesOptIn: true, name: "田中 愛子", showName: true, email: "Aiko@Example.org" });
    await deliver(completed(d));
    const [receipt] = await outbox("receipt", `receipt:${d.id}`);
    expect(receipt).toMatchObject({ recipient: "Aiko@Example.org", locale: "ja", transactional: true, status: "queued" });
    expect(receipt!.props).toMatchObject({
      donationId: d.id,
      amount: 10_000,
      feeCover: 400,
      currency: "JPY",
      needTitle: "Refrigerator for the shelter",
      organisationName: "Yodogawa Refuge Network",
      taxDeductible: false,
      needUrl: `https://tomoni.example/needs/${need.slug}`,
    });
    // Fee cover never counts toward the goal.
    expect(await raised(need.id)).toBe(10_000);
    const rendered = await renderEmail({ kind: "receipt", locale: "ja", props: receipt!.props });
    expect(rendered.text).toContain("お支払い合計：￥10,400");
    expect(rendered.text).toContain("税控除（寄附金控除）の対象ではありません");

    const subscription = await db().selectFrom("subscriptions").where("need_id", "=", need.id).selectAll().executeTakeFirstOrThrow();
    expect(subscription).toMatchObject({ email: "Aiko@Example.org", status: "active", source: "donation", locale: "ja", organisation_id: owner.organisationId });
  });

  it("does not subscribe a donor who did not opt in", async () => {
    const need = await newNeed();
    const d = await pending(need.id);
    await deliver(completed(d));
    expect(await db().selectFrom("subscriptions").where("need_id", "=", need.id).selectAll().execute()).toEqual([]);
  });
});

describe(`parked events on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it.each([
    ["an amount mismatch", { amount_total: 9_000, amount_subtotal: 9_000 }, /amount_total 9000 differs/],
    ["a fee cover missing from the total", { amount_total: 10_000 }, /amount_total 10000 differs from the donation's 10400/],
    ["a currency mismatch", { currency: "usd" }, /currency USD differs from the donation's JPY/],
  ])("parks %s and counts nothing", async (_what, session, detail) => {
    const need = await newNeed();
    const d = await pending(need.id, 10_000, { feeCover: _what.includes("fee cover") ? 400 : 0 });
    const event = completed(d, session);
    expect(await deliver(event)).toEqual({ status: 200, body: "parked" });
    expect(await eventRow(event.id)).toMatchObject({ outcome: "parked", donation_id: d.id });
    expect((await eventRow(event.id))!.detail).toMatch(detail);
    expect(await donation(d.id)).toMatchObject({ status: "pending", stripe_payment_intent_id: null });
    expect(await raised(need.id)).toBe(0);
    expect(await outbox("receipt", `receipt:${d.id}`)).toHaveLength(0);
    // Redelivered, it stays parked: the id is recorded.
    expect(await deliver(event)).toEqual({ status: 200, body: "duplicate" });
  });

  it("parks a completion from a connected account other than the donation's", async () => {
    const need = await newNeed();
    const d = await pending(need.id);
    const event = stripeEvent("checkout.session.completed", checkoutSession(d), { account: newAccountId() });
    expect(await deliver(event)).toEqual({ status: 200, body: "parked" });
    expect((await eventRow(event.id))!.detail).toMatch(/but the donation was charged on acct_/);
    expect(await raised(need.id)).toBe(0);
  });

  it("parks a refund from another account, without storing it", async () => {
    const need = await newNeed();
    const d = await pending(need.id);
    await deliver(completed(d));
    const event = stripeEvent("charge.refunded", charge(d, { amount_refunded: 10_000 }), { account: newAccountId() });
    expect(await deliver(event)).toEqual({ status: 200, body: "parked" });
    expect(await db().selectFrom("payment_charge_refunds").where("payment_intent_id", "=", d.paymentIntentId).selectAll().execute()).toEqual([]);
    expect(await raised(need.id)).toBe(10_000);
  });

  it.each([
    ["a refund without an amount", "refund.created", (d: PendingDonation) => ({ id: "re_bad_1", object: "refund", currency: "jpy", payment_intent: d.paymentIntentId, status: "succeeded" })],
    ["a refund of a fractional amount", "refund.updated", (d: PendingDonation) => refund(d, { id: "re_bad_2", amount: 1.5, status: "succeeded" })],
    ["a refund of a negative amount", "refund.created", (d: PendingDonation) => refund(d, { id: "re_bad_3", amount: -5, status: "succeeded" })],
    ["a refund in no currency", "refund.created", (d: PendingDonation) => refund(d, { id: "re_bad_4", amount: 500, status: "succeeded", currency: "jp" })],
    ["a charge without a currency", "charge.refunded", (d: PendingDonation) => charge(d, { currency: undefined, amount_refunded: 500 })],
    ["a charge with a negative amount_refunded", "charge.refunded", (d: PendingDonation) => charge(d, { amount_refunded: -1 })],
    ["a dispute without an amount", "charge.dispute.created", (d: PendingDonation) => dispute(d, { id: "dp_bad_1", status: "needs_response", amount: undefined })],
    ["an empty object", "charge.refunded", () => ({})],
    ["a session without an id", "checkout.session.completed", (d: PendingDonation) => checkoutSession(d, { id: undefined })],
    ["a session with a currency that is not text", "checkout.session.completed", (d: PendingDonation) => checkoutSession(d, { currency: 392 })],
  ])("parks a signed event with %s (200, nothing stored), rather than failing on every retry", async (_what, type, object) => {
    const need = await newNeed();
    const d = await pending(need.id);
    await deliver(completed(d));
    const before = await ledgerSnapshot(db());
    const event = stripeEvent(type, object(d) as Record<string, unknown>, { account: d.accountId });
    expect(await deliver(event)).toEqual({ status: 200, body: "parked" });
    expect(await eventRow(event.id)).toMatchObject({ outcome: "parked" });
    expect((await eventRow(event.id))!.detail).toMatch(/^malformed /);
    const after = await ledgerSnapshot(db());
    expect({ ...after, stripe_events: before.stripe_events + 1 }).toEqual(after);
    expect({ ...after, stripe_events: before.stripe_events }).toEqual(before);
    expect(await raised(need.id)).toBe(10_000);
  });

  it("ignores sessions that are not donations and event types it does not handle", async () => {
    const stranger = stripeEvent(
      "checkout.session.completed",
      { id: "cs_test_not_ours", object: "checkout.session", amount_total: 500, currency: "jpy", metadata: {}, payment_intent: "pi_not_ours", payment_status: "paid" },
      { account: accountId },
    );
    expect(await deliver(stranger)).toEqual({ status: 200, body: "ignored" });
    const unknown = stripeEvent("customer.created", { id: "cus_1", object: "customer" });
    expect(await deliver(unknown)).toEqual({ status: 200, body: "ignored" });
    expect(await eventRow(unknown.id)).toMatchObject({ outcome: "ignored", detail: "event type customer.created is not handled" });
  });
});

describe(`refunds on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("applies a refund that arrives before the completion", async () => {
    const need = await newNeed();
    const d = await pending(need.id);
    // A charge without our metadata: nothing tells which donation it is until the completion.
    const early = stripeEvent("charge.refunded", charge(d, { amount_refunded: 3_000, metadata: {} }), { account: accountId });
    expect(await deliver(early)).toEqual({ status: 200, body: "processed" });
    expect((await eventRow(early.id))!.detail).toContain(`no donation has PaymentIntent ${d.paymentIntentId} yet`);
    expect(await raised(need.id)).toBe(0);

    await deliver(completed(d));
    expect(await donation(d.id)).toMatchObject({ status: "succeeded", refunded_amount: 3_000 });
    expect(await raised(need.id)).toBe(7_000);
  });

  it("learns the PaymentIntent from a refunded charge's metadata before the completion", async () => {
    const need = await newNeed();
    const d = await pending(need.id);
    await deliver(chargeRefunded(d, 3_000));
    expect(await donation(d.id)).toMatchObject({ status: "pending", stripe_payment_intent_id: d.paymentIntentId, refunded_amount: 3_000 });
    expect(await raised(need.id)).toBe(0);
    await deliver(completed(d));
    expect(await raised(need.id)).toBe(7_000);
  });

  it("applies a refund object that arrives before the completion, found by the charge's metadata later too", async () => {
    const need = await newNeed();
    const d = await pending(need.id);
    await deliver(stripeEvent("refund.created", refund(d, { amount: 10_000, status: "succeeded" }), { account: accountId }));
    await deliver(completed(d, { payment_status: "unpaid" }));
    expect(await raised(need.id)).toBe(0);
    await deliver(asyncSucceeded(d));
    expect(await donation(d.id)).toMatchObject({ status: "succeeded", refunded_amount: 10_000 });
    expect(await raised(need.id)).toBe(0);
  });

  it("lowers the total by ¥3,000 then ¥7,000, and restores a refund that fails", async () => {
    const need = await newNeed();
    const d = await pending(need.id);
    await deliver(completed(d));
    expect(await raised(need.id)).toBe(10_000);

    const first = refund(d, { amount: 3_000, status: "succeeded" });
    await deliver(stripeEvent("refund.created", first, { account: accountId }));
    const firstSnapshot = chargeRefunded(d, 3_000);
    await deliver(firstSnapshot);
    expect(await raised(need.id)).toBe(7_000);
    expect((await donation(d.id)).refunded_amount).toBe(3_000);

    const second = refund(d, { amount: 7_000, status: "pending" });
    await deliver(stripeEvent("refund.created", second, { account: accountId }));
    await deliver(chargeRefunded(d, 10_000));
    expect(await raised(need.id)).toBe(0);
    expect((await donation(d.id)).refunded_amount).toBe(10_000);

    // The bank returns the second refund: the money is the organisation's again.
    await deliver(stripeEvent("refund.updated", { ...second, status: "failed", failure_reason: "expired_or_canceled_card" }, { account: accountId }));
    expect(await raised(need.id)).toBe(7_000);
    expect((await donation(d.id)).refunded_amount).toBe(3_000);

    // Late, older facts change nothing: the first snapshot again under a new id, and the refund's pending state.
    await deliver(chargeRefunded(d, 3_000, firstSnapshot.created));
    await deliver(stripeEvent("charge.refund.updated", second, { account: accountId, created: firstSnapshot.created }));
    expect(await raised(need.id)).toBe(7_000);
  });

  it("restores a failed refund known only from charge.refunded snapshots", async () => {
    const need = await newNeed();
    const d = await pending(need.id);
    await deliver(completed(d));
    await deliver(chargeRefunded(d, 3_000));
    await deliver(chargeRefunded(d, 10_000));
    expect(await raised(need.id)).toBe(0);
    await deliver(stripeEvent("refund.failed", refund(d, { amount: 7_000, status: "failed" }), { account: accountId }));
    expect(await raised(need.id)).toBe(7_000);
  });

  it("takes refunds out of the counted amount first and caps them at what was charged", async () => {
    const need = await newNeed();
    const d = await pending(need.id, 10_000, { feeCover: 400 });
    await deliver(completed(d));
    expect(await raised(need.id)).toBe(10_000);
    await deliver(chargeRefunded(d, 400));
    expect(await raised(need.id)).toBe(9_600);
    await deliver(chargeRefunded(d, 10_400));
    expect(await donation(d.id)).toMatchObject({ refunded_amount: 10_400 });
    expect(await raised(need.id)).toBe(0);
    // A charge that embeds refunds (older API versions) is taken too; the total stays capped.
    const embedded = charge(d, { amount_refunded: 10_400, refunds: { object: "list", data: [refund(d, { amount: 10_400, status: "succeeded" })], has_more: false } });
    await deliver(stripeEvent("charge.refunded", embedded, { account: accountId }));
    expect(await donation(d.id)).toMatchObject({ refunded_amount: 10_400 });
  });
});

describe(`disputes on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("stops counting disputed money until the dispute is won", async () => {
    const need = await newNeed();
    const d = await pending(need.id);
    await deliver(completed(d));
    const opened = stripeEvent("charge.dispute.created", dispute(d, { id: "dp_test_won", status: "needs_response" }), { account: accountId });
    await deliver(opened);
    expect(await donation(d.id)).toMatchObject({ disputed_amount: 10_000, dispute_status: "needs_response" });
    expect(await raised(need.id)).toBe(0);
    await deliver(stripeEvent("charge.dispute.funds_withdrawn", dispute(d, { id: "dp_test_won", status: "needs_response" }), { account: accountId }));
    await deliver(stripeEvent("charge.dispute.updated", dispute(d, { id: "dp_test_won", status: "under_review" }), { account: accountId }));
    expect(await raised(need.id)).toBe(0);

    await deliver(stripeEvent("charge.dispute.closed", dispute(d, { id: "dp_test_won", status: "won" }), { account: accountId }));
    await deliver(stripeEvent("charge.dispute.funds_reinstated", dispute(d, { id: "dp_test_won", status: "won" }), { account: accountId }));
    expect(await donation(d.id)).toMatchObject({ dispute_status: "won" });
    expect(await raised(need.id)).toBe(10_000);

    // The 'created' event redelivered under a new id (older by Stripe's clock) changes nothing.
    await deliver(stripeEvent("charge.dispute.created", dispute(d, { id: "dp_test_won", status: "needs_response" }), { account: accountId, created: opened.created }));
    expect(await raised(need.id)).toBe(10_000);
  });

  it("keeps a lost dispute uncounted", async () => {
    const need = await newNeed();
    const d = await pending(need.id);
    await deliver(completed(d));
    await deliver(stripeEvent("charge.dispute.created", dispute(d, { id: "dp_test_lost", status: "needs_response" }), { account: accountId }));
    await deliver(stripeEvent("charge.dispute.closed", dispute(d, { id: "dp_test_lost", status: "lost" }), { account: accountId }));
    expect(await donation(d.id)).toMatchObject({ dispute_status: "lost", disputed_amount: 10_000 });
    expect(await raised(need.id)).toBe(0);
  });
});

describe("paymentTotals", () => {
  it("combines refund objects and charge snapshots, newest knowledge first", () => {
    const charged = 10_000;
    // Only snapshots: the latest one.
    expect(paymentTotals({ refunds: [], charge: { amountRefunded: 10_000, at: 2 }, disputes: [] }, charged).refundedAmount).toBe(10_000);
    // A refund the snapshot has not heard of yet still counts.
    expect(paymentTotals({ refunds: [{ amount: 5_000, status: "pending", at: 3 }], charge: { amountRefunded: 3_000, at: 2 }, disputes: [] }, charged).refundedAmount).toBe(5_000);
    // A refund that failed after the snapshot comes back out of it; one that failed before it does not.
    expect(paymentTotals({ refunds: [{ amount: 7_000, status: "failed", at: 3 }], charge: { amountRefunded: 10_000, at: 2 }, disputes: [] }, charged).refundedAmount).toBe(3_000);
    expect(paymentTotals({ refunds: [{ amount: 7_000, status: "failed", at: 1 }], charge: { amountRefunded: 3_000, at: 2 }, disputes: [] }, charged).refundedAmount).toBe(3_000);
    // Never more than was charged.
    expect(paymentTotals({ refunds: [{ amount: 9_000, status: "succeeded", at: 1 }, { amount: 9_000, status: "succeeded", at: 1 }], charge: null, disputes: [] }, charged).refundedAmount).toBe(10_000);
    // An inquiry closed without a chargeback holds no money.
    expect(paymentTotals({ refunds: [], charge: null, disputes: [{ id: "dp_1", amount: 10_000, status: "warning_closed", at: 1 }] }, charged)).toEqual({
      refundedAmount: 0,
      disputedAmount: 0,
      disputeStatus: "warning_closed",
    });
  });
});

describe(`account.updated on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("keeps the organisation's charges_enabled in step with Stripe, ignoring older snapshots", async () => {
    const org = await createOrganiser(db(), { orgName: "Account sync group" });
    const acct = await connectOrganisation(db(), org.organisationId);
    const older = nextCreated();
    const newer = nextCreated();
    const disable = stripeEvent("account.updated", account(acct, { charges_enabled: false, payouts_enabled: false, details_submitted: true }), { account: acct, created: newer });
    expect(await deliver(disable)).toEqual({ status: 200, body: "processed" });
    const enableLate = stripeEvent("account.updated", account(acct), { account: acct, created: older });
    expect(await deliver(enableLate)).toEqual({ status: 200, body: "ignored" });
    const row = await db().selectFrom("organisations").where("id", "=", org.organisationId).selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ charges_enabled: false, payouts_enabled: false, details_submitted: true, stripe_account_synced_at: newer });
  });
});

describe(`failures on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("answers 500 when processing fails, keeps nothing of the attempt, and succeeds on Stripe's retry", async () => {
    const need = await newNeed();
    const d = await pending(need.id);
    await sql`CREATE FUNCTION ledger_test_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'simulated failure'; END $$`.execute(db());
    await sql.raw(`CREATE TRIGGER ledger_test_fail BEFORE UPDATE ON donations FOR EACH ROW WHEN (NEW.id = ${d.id}) EXECUTE FUNCTION ledger_test_fail()`).execute(db());
    const event = completed(d);
    const before = await ledgerSnapshot(db());
    try {
      expect(await deliverOverHttp(app.url, event)).toEqual({ status: 500, body: "processing failed" });
      expect(await ledgerSnapshot(db())).toEqual(before);
    } finally {
      await sql`DROP TRIGGER ledger_test_fail ON donations`.execute(db());
      await sql`DROP FUNCTION ledger_test_fail()`.execute(db());
    }
    expect(await deliverOverHttp(app.url, event)).toEqual({ status: 200, body: "processed" });
    expect(await raised(need.id)).toBe(10_000);
  });

  it("exports the handled event types for reconciliation", () => {
    expect(HANDLED_EVENT_TYPES).toContain("checkout.session.completed");
    expect(HANDLED_EVENT_TYPES).toContain("refund.updated");
    expect(new Set(HANDLED_EVENT_TYPES).size).toBe(HANDLED_EVENT_TYPES.length);
  });

  it("processes synthetic reconcile events like any other", async () => {
    const need = await newNeed();
    const d = await pending(need.id);
    const event = stripeEvent("checkout.session.completed", checkoutSession(d), { account: accountId, id: `reconcile_${d.sessionId}_complete` });
    expect(await processStripeEvent(db(), ctx.env, event)).toEqual({ outcome: "processed", detail: expect.stringContaining("succeeded"), donationId: d.id });
    expect(await processStripeEvent(db(), ctx.env, event)).toMatchObject({ outcome: "duplicate" });
    expect(await raised(need.id)).toBe(10_000);
  });
});

// ---- The goal ------------------------------------------------------------------------------

/**
 * 20 donations of ¥5,000 to a ¥100,000 need (whichever commits last crosses it), from 18
 * distinct addresses (two donors give twice, once with their address in other capitals), and
 * two organisers.
 */
async function goalScenario(deliverAll: (events: Stripe.Event[]) => Promise<Array<{ status: number; body: string }>>) {
  const org = await createOrganiser(db(), { orgName: "Goal crossing group" });
  const second = await createOrganiser(db(), { organisationId: org.organisationId, role: "organiser" });
  await db().updateTable("users").set({ locale: "ja" }).where("id", "=", second.userId).execute();
  const acct = await connectOrganisation(db(), org.organisationId);
  const need = await newNeed(100_000, org.organisationId);
  const donations: PendingDonation[] = [];
  for (let i = 0; i < 20; i += 1) {
    const email = i < 18 ? `backer-${i}@example.org` : `BACKER-${i - 18}@Example.org`;
    donations.push(await createPendingDonation(db(), { needId: need.id, amount: 5_000, accountId: acct, email, locale: i % 2 === 0 ? "en" : "ja" }));
  }
  const results = await deliverAll(donations.map((d) => completed(d)));
  expect(results.every((r) => r.status === 200 && r.body === "processed")).toBe(true);

  const row = await db().selectFrom("needs").where("id", "=", need.id).selectAll().executeTakeFirstOrThrow();
  expect(row.status).toBe("funded");
  expect(row.funded_at).not.toBeNull();
  expect(await raised(need.id)).toBe(100_000);
  const funding = await db().selectFrom("stripe_events").where("detail", "like", "%need funded%").where("donation_id", "in", donations.map((d) => d.id)).selectAll().execute();
  expect(funding).toHaveLength(1);

  const goalMet = async () => (await outbox("goal-met")).filter((e) => e.idempotency_key.startsWith(`goal-met:${need.id}:`));
  const mails = await goalMet();
  const organiserEmails = (await db().selectFrom("users").where("id", "in", [org.userId, second.userId]).select("email").execute()).map((u) => u.email.toLowerCase());
  const expected = [...organiserEmails, ...Array.from({ length: 18 }, (_, i) => `backer-${i}@example.org`)].sort();
  expect(mails.map((m) => m.recipient.toLowerCase()).sort()).toEqual(expected);
  for (const mail of mails) {
    const audience = organiserEmails.includes(mail.recipient.toLowerCase()) ? "organiser" : "backer";
    expect(mail).toMatchObject({ transactional: true, batch_key: `goal-met:${need.id}` });
    expect(mail.props).toMatchObject({ audience, goal: 100_000, raised: 100_000, needTitle: "Refrigerator for the shelter", currency: "JPY" });
    expect(mail.idempotency_key).toBe(`goal-met:${need.id}:${mail.recipient.toLowerCase()}`);
  }
  expect(mails.find((m) => m.recipient.toLowerCase() === organiserEmails[1])!.locale).toBe("ja");

  // Refunds drop it below the goal: funded is never undone (app/need-lifecycle.ts has no way back).
  for (const d of donations.slice(0, 3)) await deliver(chargeRefunded(d, 5_000));
  expect(await raised(need.id)).toBe(85_000);
  // Crossing again — by a backer already told and by a new one — sends nothing new.
  const newcomer = await createPendingDonation(db(), { needId: need.id, amount: 20_000, accountId: acct, email: "newcomer@example.org" });
  await deliver(completed(newcomer));
  expect(await raised(need.id)).toBe(105_000);
  expect((await db().selectFrom("needs").where("id", "=", need.id).select("status").executeTakeFirstOrThrow()).status).toBe("funded");
  expect(await goalMet()).toHaveLength(20);

  // Even if the need were live again (nothing in the app does this), an address hears about the goal once.
  await db().updateTable("needs").set({ status: "live" }).where("id", "=", need.id).execute();
  const again = await createPendingDonation(db(), { needId: need.id, amount: 5_000, accountId: acct, email: "backer-0@example.org" });
  await deliver(completed(again));
  expect((await db().selectFrom("needs").where("id", "=", need.id).select("status").executeTakeFirstOrThrow()).status).toBe("funded");
  const after = await goalMet();
  const perAddress = new Map<string, number>();
  for (const m of after) perAddress.set(m.recipient.toLowerCase(), (perAddress.get(m.recipient.toLowerCase()) ?? 0) + 1);
  expect([...perAddress.values()].every((n) => n === 1)).toBe(true);
  // Only the one address that had never been told (the newcomer) is told now.
  expect(after.map((m) => m.recipient.toLowerCase()).sort()).toEqual([...expected, "newcomer@example.org"].sort());
  expect(await db().selectFrom("goal_met_notifications").where("need_id", "=", need.id).selectAll().execute()).toHaveLength(21);
}

describe(`the goal on ${onPostgres ? "PostgreSQL" : "PGlite"}, events one after another`, () => {
  it("funds the need once and tells each backer and organiser once", async () => {
    await goalScenario(async (events) => {
      const results = [];
      for (const event of events) results.push(await deliver(event));
      return results;
    });
  });
});

// PGlite is one connection: transactions queue up behind each other, so nothing there can
// interleave. Races need a real server with a pool of connections.
describe.skipIf(!onPostgres)("concurrent deliveries on PostgreSQL (skipped on PGlite: one connection cannot race)", () => {
  it("counts the same completion delivered 5 times at once, then once more, exactly once", async () => {
    const need = await newNeed();
    const d = await pending(need.id);
    const { payload, header } = signed(completed(d));
    const results = await Promise.all(Array.from({ length: 5 }, () => postStripeWebhook(app.url, payload, header)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.map((r) => r.body).sort()).toEqual(["duplicate", "duplicate", "duplicate", "duplicate", "processed"]);
    expect(await postStripeWebhook(app.url, payload, header)).toEqual({ status: 200, body: "duplicate" });

    expect((await donation(d.id)).status).toBe("succeeded");
    expect(await outbox("receipt", `receipt:${d.id}`)).toHaveLength(1);
    expect(await raised(need.id)).toBe(10_000);
  });

  it("counts different events about one payment, delivered at once, exactly once", async () => {
    const need = await newNeed();
    const d = await pending(need.id);
    const events = [completed(d), asyncSucceeded(d), completed(d), chargeRefunded(d, 2_000), asyncSucceeded(d)];
    const results = await Promise.all(events.map((e) => deliverOverHttp(app.url, e)));
    expect(results.every((r) => r.status === 200 && r.body === "processed")).toBe(true);
    expect(await donation(d.id)).toMatchObject({ status: "succeeded", refunded_amount: 2_000 });
    expect(await outbox("receipt", `receipt:${d.id}`)).toHaveLength(1);
    expect(await raised(need.id)).toBe(8_000);
  });

  it("lets 20 donations cross the goal at once: funded exactly once, one goal-met email per address", async () => {
    await goalScenario(async (events) => {
      const results = await Promise.all(events.map((e) => deliverOverHttp(app.url, e)));
      // The endpoint answers before the goal check after each commit: wait for those checks.
      await goalChecksSettled(db());
      return results;
    });
  });

  it("answers Stripe over HTTP once the event has committed, before the goal check that follows it", async () => {
    const need = await newNeed(10_000);
    const d = await pending(need.id, 10_000);
    const event = completed(d);
    const needStatus = async () => (await db().selectFrom("needs").where("id", "=", need.id).select("status").executeTakeFirstOrThrow()).status;
    // Another transaction holds the need's lock, which settling the goal must take.
    const holder = await db().startTransaction().execute();
    let released = false;
    try {
      await lockNeed(holder, need.id);
      const answer = await Promise.race([
        deliverOverHttp(app.url, event),
        new Promise<"no answer">((resolve) => setTimeout(() => resolve("no answer"), 5_000)),
      ]);
      expect(answer).toEqual({ status: 200, body: "processed" });
      // Counted and committed; the goal is met but not yet settled.
      expect((await donation(d.id)).status).toBe("succeeded");
      expect(await raised(need.id)).toBe(10_000);
      expect(await needStatus()).toBe("live");
      expect((await eventRow(event.id))!.detail).toBe("succeeded; receipt queued");

      await holder.commit().execute();
      released = true;
    } finally {
      if (!released) await holder.rollback().execute();
    }
    await goalChecksSettled(db());
    expect(await needStatus()).toBe("funded");
    expect((await eventRow(event.id))!.detail).toMatch(/^succeeded; receipt queued; need funded, \d+ goal-met emails queued$/);
  });
});

// ---- The need's lock ----------------------------------------------------------------------

describe.skipIf(!onPostgres)("the need's lock on PostgreSQL (skipped on PGlite: one connection cannot race)", () => {
  /**
   * What PostgreSQL's foreign-key check runs for a row that references the need (a
   * subscription or goal-met row inserted, a donation updated twice in one transaction).
   */
  const keyShare = (trx: Database, needId: number) => sql`SELECT 1 FROM needs WHERE id = ${needId} FOR KEY SHARE`.execute(trx);

  /** Two transactions each take KEY SHARE on the need, wait for each other, then `lock` it. */
  async function twoTransactions(needId: number, lock: (trx: Database) => Promise<unknown>) {
    let arrived = 0;
    let release!: () => void;
    const bothShare = new Promise<void>((resolve) => (release = resolve));
    const one = () =>
      db().transaction().execute(async (trx) => {
        await keyShare(trx, needId);
        if (++arrived === 2) release();
        await bothShare;
        await lock(trx);
        // Hold it a moment, as settleGoal and the commit do.
        await sql`SELECT pg_sleep(0.05)`.execute(trx);
      });
    return Promise.allSettled([one(), one()]);
  }

  it("lets transactions that already hold KEY SHARE on the need take its lock one after another (FOR UPDATE would deadlock)", async () => {
    const need = await newNeed();
    const results = await twoTransactions(need.id, (trx) => lockNeed(trx, need.id));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled"]);

    // The control: the same with FOR UPDATE is the lock upgrade PostgreSQL refuses.
    const upgraded = await twoTransactions(need.id, (trx) => trx.selectFrom("needs").where("id", "=", need.id).select("id").forUpdate().execute());
    const failures = upgraded.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(failures).toHaveLength(1);
    expect((failures[0]!.reason as { code?: string }).code).toBe("40P01");
  });

  it("takes 60 completions (half of donors opted in), refunds and re-sent events on one need at once: no deadlock, exact totals, funded once", async () => {
    const org = await createOrganiser(db(), { orgName: "Busy need group" });
    const acct = await connectOrganisation(db(), org.organisationId);
    const need = await newNeed(250_000, org.organisationId);
    const donations: PendingDonation[] = [];
    for (let i = 0; i < 60; i += 1) {
      // Opting in inserts a subscription (a foreign key to the need) before the goal is settled.
      donations.push(await createPendingDonation(db(), { needId: need.id, amount: 5_000, accountId: acct, email: `busy-${i % 50}@example.org`, updatesOptIn: i % 2 === 0 }));
    }
    const refunded = donations.filter((_, i) => i % 6 === 0);
    const completions = donations.map((d) => completed(d));
    const events = [
      ...completions,
      // Refunds race their own completions (some arrive first: stored, then applied by the completion).
      ...refunded.map((d) => chargeRefunded(d, 1_000)),
      ...completions.filter((_, i) => i % 5 === 0),
    ];
    // A fixed interleaving, different from the list order.
    const order = events.map((e, i) => ({ e, k: (i * 7919) % events.length })).sort((a, b) => a.k - b.k).map((x) => x.e);
    const results = await Promise.all(order.map((e) => deliverOverHttp(app.url, e)));
    await goalChecksSettled(db());
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.filter((r) => r.body === "duplicate")).toHaveLength(12);

    expect(await raised(need.id)).toBe(60 * 5_000 - refunded.length * 1_000);
    const row = await db().selectFrom("needs").where("id", "=", need.id).select("status").executeTakeFirstOrThrow();
    expect(row.status).toBe("funded");
    const ids = donations.map((d) => d.id);
    expect(await db().selectFrom("stripe_events").where("detail", "like", "%need funded%").where("donation_id", "in", ids).selectAll().execute()).toHaveLength(1);
    expect(await db().selectFrom("donations").where("id", "in", ids).where("status", "=", "succeeded").selectAll().execute()).toHaveLength(60);
    for (const d of donations) expect(await outbox("receipt", `receipt:${d.id}`)).toHaveLength(1);
    const goalMet = (await outbox("goal-met")).filter((e) => e.idempotency_key.startsWith(`goal-met:${need.id}:`));
    expect(goalMet.length).toBeGreaterThan(0);
    expect(new Set(goalMet.map((m) => m.recipient.toLowerCase())).size).toBe(goalMet.length);
    expect(goalMet.every((m) => (m.props as { raised: number }).raised >= 250_000)).toBe(true);
  });
});
