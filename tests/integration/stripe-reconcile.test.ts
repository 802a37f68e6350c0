import { spawn } from "node:child_process";
import { once } from "node:events";
import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Database } from "~/db.server";
import { parseEnv } from "~/env.server";
import { parseReconcileArgs, runReconcileCli } from "~/payments/reconcile-cli";
import { reconcileStripe } from "~/payments/reconcile.server";
import { HANDLED_EVENT_TYPES, processStripeEvent } from "~/payments/webhook.server";
import { createStripeRefundsMock, type StripeRefundsMock } from "../mocks/stripe-refunds";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { mswServer } from "../support/msw";
import { createOrganiser, createTestNeed } from "../support/needs";

let database: TestDatabase;
let stripe: StripeRefundsMock;
let accountA: string;
let accountB: string;
let needId: number;
const env = parseEnv({ NODE_ENV: "test", LOG_LEVEL: "silent", STRIPE_SECRET_KEY: "sk_test_reconcile", STRIPE_WEBHOOK_SECRET: "whsec_test_reconcile" });
const demoEnv = parseEnv({ NODE_ENV: "test", LOG_LEVEL: "silent" });
const now = new Date();
const nowSeconds = Math.floor(now.getTime() / 1000);
const HOUR = 3_600;
const DAY = 86_400;
const ids: Record<string, number> = {};

const db = () => database.db;

async function insertDonation(database: Database, key: string, values: { amount: number; status?: "pending" | "succeeded"; paymentIntent?: string }) {
  const row = await database
    .insertInto("donations")
    .values({
      need_id: needId,
      amount: values.amount,
      currency: "JPY",
      donor_email: `reconcile-${key}@example.org`,
      status: values.status ?? "pending",
      stripe_checkout_session_id: `cs_test_${key}`,
      stripe_payment_intent_id: values.paymentIntent ?? null,
      stripe_account_id: accountA,
      succeeded_at: values.status === "succeeded" ? new Date() : null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  ids[key] = row.id;
}

/** A Checkout Session as Stripe lists it (shape after the API fixtures). */
function session(key: string, values: { status: "open" | "complete" | "expired"; paid?: boolean; amountTotal?: number; created?: number }) {
  return {
    id: `cs_test_${key}`,
    object: "checkout.session",
    amount_subtotal: values.amountTotal ?? null,
    amount_total: values.amountTotal ?? null,
    client_reference_id: String(ids[key]),
    created: values.created ?? nowSeconds - 2 * HOUR,
    currency: "jpy",
    customer_details: { email: `reconcile-${key}@example.org`, name: null },
    expires_at: (values.created ?? nowSeconds - 2 * HOUR) + DAY,
    livemode: false,
    metadata: { donation_id: String(ids[key]) },
    mode: "payment",
    payment_intent: values.status === "complete" ? `pi_${key}` : null,
    payment_status: values.paid ? "paid" : "unpaid",
    status: values.status,
    url: null,
  };
}

/** An event as GET /v1/events returns it for a connected account (no `account` field: the reconciler adds it). */
function event(id: string, type: string, object: Record<string, unknown>, created: number) {
  return {
    id,
    object: "event",
    api_version: "2026-10-28.endive",
    created,
    data: { object },
    livemode: false,
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    type,
  };
}

beforeAll(async () => {
  database = await createTestDatabase();
  const owner = await createOrganiser(db());
  const other = await createOrganiser(db());
  const accounts = await db().selectFrom("organisations").where("id", "in", [owner.organisationId, other.organisationId]).select(["id", "stripe_account_id"]).execute();
  accountA = accounts.find((a) => a.id === owner.organisationId)!.stripe_account_id!;
  accountB = accounts.find((a) => a.id === other.organisationId)!.stripe_account_id!;
  needId = (await createTestNeed(db(), owner.organisationId)).id;

  await insertDonation(db(), "missedEvent", { amount: 3_000 });
  await insertDonation(db(), "refunded", { amount: 10_000, status: "succeeded", paymentIntent: "pi_refunded" });
  await insertDonation(db(), "noEvents", { amount: 5_000 });
  await insertDonation(db(), "expired", { amount: 1_000 });
  await insertDonation(db(), "open", { amount: 2_000 });
  await insertDonation(db(), "delivered", { amount: 4_000 });
  await insertDonation(db(), "mismatch", { amount: 2_000 });
  await insertDonation(db(), "old", { amount: 6_000 });
});
afterAll(async () => {
  await database?.destroy();
});
beforeEach(() => {
  stripe = createStripeRefundsMock();
  mswServer.use(...stripe.handlers);
  const completed = (key: string, amount: number, created: number) => session(key, { status: "complete", paid: true, amountTotal: amount, created });
  stripe.addEvents(
    accountA,
    event("evt_missed", "checkout.session.completed", completed("missedEvent", 3_000, nowSeconds - 3 * HOUR), nowSeconds - 3 * HOUR),
    event(
      "evt_refunded",
      "charge.refunded",
      {
        id: "ch_refunded",
        object: "charge",
        amount: 10_000,
        amount_captured: 10_000,
        amount_refunded: 4_000,
        currency: "jpy",
        metadata: { donation_id: String(ids.refunded) },
        payment_intent: "pi_refunded",
        refunded: false,
        status: "succeeded",
      },
      nowSeconds - HOUR,
    ),
    event("evt_delivered", "checkout.session.completed", completed("delivered", 4_000, nowSeconds - 5 * HOUR), nowSeconds - 5 * HOUR),
    // Ten days old: outside the default window of three days.
    event("evt_old", "checkout.session.completed", completed("old", 6_000, nowSeconds - 10 * DAY), nowSeconds - 10 * DAY),
  );
  stripe.addSessions(
    accountA,
    completed("missedEvent", 3_000, nowSeconds - 3 * HOUR),
    completed("noEvents", 5_000, nowSeconds - 4 * HOUR),
    session("expired", { status: "expired", created: nowSeconds - 2 * DAY }),
    session("open", { status: "open" }),
    completed("delivered", 4_000, nowSeconds - 5 * HOUR),
    completed("mismatch", 9_999, nowSeconds - 6 * HOUR),
    completed("old", 6_000, nowSeconds - 10 * DAY),
    // Another integration's session on the same account: no donation of ours.
    { ...completed("notOurs", 700, nowSeconds - HOUR), metadata: {}, client_reference_id: null },
  );
  // The platform's own events: more than one page of them, none ours to act on.
  stripe.addEvents(
    null,
    ...Array.from({ length: 150 }, (_, i) =>
      event(`evt_platform_${String(i).padStart(3, "0")}`, "account.updated", { id: "acct_nobody", object: "account", charges_enabled: true }, nowSeconds - 60 - i),
    ),
  );
});

async function donation(key: string) {
  return db().selectFrom("donations").where("id", "=", ids[key]!).select(["status", "refunded_amount", "stripe_payment_intent_id"]).executeTakeFirstOrThrow();
}

/** Everything a run could change, to compare before and after. */
async function snapshot() {
  const count = async (table: "stripe_events" | "outbox_emails" | "payment_refunds" | "payment_charge_refunds") =>
    Number((await db().selectFrom(table).select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow()).n);
  return {
    donations: await db()
      .selectFrom("donations")
      .select(["id", "status", "refunded_amount", "disputed_amount", "stripe_payment_intent_id", "succeeded_at"])
      .orderBy("id")
      .execute(),
    events: await db().selectFrom("stripe_events").select(["id", "outcome"]).orderBy("id").execute(),
    outbox: await count("outbox_emails"),
    refunds: await count("payment_refunds"),
    chargeRefunds: await count("payment_charge_refunds"),
  };
}

describe(`npm run stripe:reconcile on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("processes missed events once, repairs finished sessions, and changes nothing the second time", async () => {
    // This one the webhook did deliver.
    const completedDelivered = session("delivered", { status: "complete", paid: true, amountTotal: 4_000, created: nowSeconds - 5 * HOUR });
    const first = await processStripeEvent(db(), env, {
      ...event("evt_delivered", "checkout.session.completed", completedDelivered, nowSeconds - 5 * HOUR),
      account: accountA,
    } as never);
    expect(first.outcome).toBe("processed");

    const run1 = await reconcileStripe(db(), env, { days: 3, now });
    const scope = (name: string) => run1.scopes.find((s) => s.scope === name || s.accountId === name)!;
    expect(scope("platform")).toMatchObject({ examined: 150, ignored: 150, processed: 0, repaired: 0, failed: 0 });
    expect(scope(accountA)).toMatchObject({
      // 3 events in the window + 7 sessions in the window.
      examined: 10,
      processed: 2,
      duplicates: 1,
      repaired: 2,
      parked: 1,
      failed: 0,
    });
    expect(scope(accountB)).toMatchObject({ examined: 0, processed: 0, failed: 0 });

    expect(await donation("missedEvent")).toMatchObject({ status: "succeeded", stripe_payment_intent_id: "pi_missedEvent" });
    expect(await donation("refunded")).toMatchObject({ status: "succeeded", refunded_amount: 4_000 });
    expect(await donation("noEvents")).toMatchObject({ status: "succeeded", stripe_payment_intent_id: "pi_noEvents" });
    expect(await donation("expired")).toMatchObject({ status: "expired" });
    expect(await donation("open")).toMatchObject({ status: "pending" });
    expect(await donation("delivered")).toMatchObject({ status: "succeeded" });
    // Stripe's amount disagrees with ours: set aside for review, not counted.
    expect(await donation("mismatch")).toMatchObject({ status: "pending" });
    // Older than the window: not looked at.
    expect(await donation("old")).toMatchObject({ status: "pending" });

    const recorded = await db().selectFrom("stripe_events").where("id", "like", "reconcile_%").select(["id", "outcome", "account_id"]).orderBy("id").execute();
    expect(recorded).toEqual([
      { id: "reconcile_cs_test_expired_expired", outcome: "processed", account_id: accountA },
      { id: "reconcile_cs_test_mismatch_complete", outcome: "parked", account_id: accountA },
      { id: "reconcile_cs_test_noEvents_complete", outcome: "processed", account_id: accountA },
    ]);
    // Listed events were recorded under the connected account they were listed from.
    expect(await db().selectFrom("stripe_events").where("id", "=", "evt_missed").select("account_id").executeTakeFirstOrThrow()).toEqual({ account_id: accountA });

    const before = await snapshot();
    const run2 = await reconcileStripe(db(), env, { days: 3, now });
    expect(run2.totals).toMatchObject({ processed: 0, repaired: 0, parked: 0, ignored: 0, failed: 0, duplicates: 150 + 3 + 1 });
    expect(await snapshot()).toEqual(before);

    // A wider window reaches the ten-day-old event.
    const run3 = await reconcileStripe(db(), env, { days: 15, now });
    expect(run3.totals).toMatchObject({ processed: 1, failed: 0 });
    expect(await donation("old")).toMatchObject({ status: "succeeded" });
  });

  it("asks Stripe for each account's events of the handled types since the window's start, page by page", async () => {
    await reconcileStripe(db(), env, { days: 3, now });
    const since = String(nowSeconds - 3 * DAY);
    const eventCalls = stripe.calls("GET /v1/events");
    const accountsAsked = eventCalls.map((c) => c.stripeAccount);
    expect(accountsAsked).toEqual(expect.arrayContaining([null, accountA, accountB]));
    for (const call of eventCalls) {
      expect(call.params["created[gte]"]).toBe(since);
      const types = Object.entries(call.params)
        .filter(([k]) => k.startsWith("types["))
        .map(([, v]) => v);
      expect(types.sort()).toEqual([...HANDLED_EVENT_TYPES].sort());
    }
    // 150 platform events at 100 a page: two requests, the second after the first page's last id.
    const platform = eventCalls.filter((c) => c.stripeAccount === null);
    expect(platform).toHaveLength(2);
    expect(platform[1]!.params.starting_after).toBe("evt_platform_099");
    const sessionCalls = stripe.calls("GET /v1/checkout/sessions");
    expect(sessionCalls.map((c) => c.stripeAccount)).toEqual(expect.arrayContaining([null, accountA, accountB]));
    for (const call of sessionCalls) expect(call.params["created[gte]"]).toBe(since);
  });

  it("prints a summary table and exits 0", async () => {
    const out: string[] = [];
    const err: string[] = [];
    // The command closes its database when done: hand it a view whose destroy leaves ours open.
    const shared = new Proxy(db(), {
      get(target, prop) {
        if (prop === "destroy") return async () => {};
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const code = await runReconcileCli(["--days", "2"], env, () => shared, { out: (l) => out.push(l), err: (l) => err.push(l) }, now);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const text = out.join("\n");
    expect(text).toContain(`since ${new Date((nowSeconds - 2 * DAY) * 1000).toISOString()} (2 days)`);
    expect(text).toMatch(/^scope\s+examined\s+processed\s+duplicates\s+ignored\s+parked\s+repaired\s+failed$/m);
    expect(text).toMatch(/^platform\s+150\s+0\s+150\s+0\s+0\s+0\s+0$/m);
    expect(text).toMatch(/^total\s+\d+/m);
  });
});

describe("the reconcile command's arguments", () => {
  it.each([
    [[], 3],
    [["--days", "1"], 1],
    [["--days=30"], 30],
    [["--days", "７"], null],
    [["--days", "0"], null],
    [["--days", "31"], null],
    [["--days", "2.5"], null],
    [["--days", "abc"], null],
    [["--weeks", "1"], null],
    [["extra"], null],
  ])("%j → %s", (argv, days) => {
    const parsed = parseReconcileArgs(argv as string[]);
    if (days === null) expect(parsed.ok).toBe(false);
    else expect(parsed).toEqual({ ok: true, days });
  });

  it("exits 2 with usage on bad arguments, before touching the database or Stripe", async () => {
    const err: string[] = [];
    const openDb = vi.fn(() => db());
    const code = await runReconcileCli(["--days", "99"], env, openDb, { out: () => {}, err: (l) => err.push(l) });
    expect(code).toBe(2);
    expect(err.join("\n")).toContain("--days must be a whole number from 1 to 30");
    expect(openDb).not.toHaveBeenCalled();
  });

  it("says there is nothing to reconcile with demo payments", async () => {
    const out: string[] = [];
    const openDb = vi.fn(() => db());
    expect(await runReconcileCli(["--days", "3"], demoEnv, openDb, { out: (l) => out.push(l), err: () => {} })).toBe(0);
    expect(out.join("\n")).toContain("nothing to reconcile");
    expect(openDb).not.toHaveBeenCalled();
  });

  it("runs as `npm run stripe:reconcile` does: demo payments print that there is nothing to reconcile", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "app/payments/reconcile-cli.ts", "--days", "3"], {
      env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent", DATA_DIR: "memory://" } as unknown as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
    expect(stdout).toContain("nothing to reconcile");
  });
});
