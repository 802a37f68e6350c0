import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type Stripe from "stripe";
import { createDatabase, type Database } from "~/db.server";
import { createNeed, transitionNeed } from "~/models/needs.server";
import type { Locale } from "~/models/schema";
import { signWebhookPayload, STRIPE_API_VERSION } from "~/payments/stripe.server";

/**
 * Data for the benchmark, written straight into the database as the app would leave it (bench
 * code is tooling, like tests): organisations, live needs, pending and succeeded donations,
 * and the signed Stripe events that complete them. Event shapes follow
 * tests/support/stripe-events.ts (Stripe's checkout.session fixture).
 */

export const token = (bytes = 10) => randomBytes(bytes).toString("hex");

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---- A database of our own ----------------------------------------------------------------

export interface BenchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, empty PostgreSQL database next to `baseUrl`'s (the server migrates it); dropped afterwards. */
export async function createBenchDatabase(baseUrl: string, label: string): Promise<BenchDatabase> {
  const name = `tomoni_bench_${label}_${process.pid}_${token(3)}`;
  const admin = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: baseUrl, max: 1 }) }) });
  await sql`CREATE DATABASE ${sql.id(name)}`.execute(admin);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      try {
        await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin);
      } finally {
        await admin.destroy();
      }
    },
  };
}

export function openDatabase(url: string, poolSize = 4): Database {
  return createDatabase({ url, poolSize });
}

// ---- Organisations and needs ----------------------------------------------------------------

export interface BenchOrganisation {
  id: number;
  slug: string;
  accountId: string;
  organiserEmails: string[];
}

/** An organisation with a connected account that takes charges, and `organisers` members. */
export async function createOrganisation(db: Database, options: { slug: string; organisers: number }): Promise<BenchOrganisation> {
  const accountId = `acct_bench${token(8)}`;
  const org = await db
    .insertInto("organisations")
    .values({
      slug: options.slug,
      name: `Bench organisation ${options.slug}`,
      region: "Osaka",
      stripe_account_id: accountId,
      charges_enabled: true,
      payouts_enabled: true,
      details_submitted: true,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const organiserEmails: string[] = [];
  for (let i = 0; i < options.organisers; i++) {
    const email = `organiser-${i}-${options.slug}@bench.example`;
    const user = await db
      .insertInto("users")
      .values({ email, display_name: `Organiser ${i}`, locale: i % 2 === 0 ? "en" : "ja" })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db.insertInto("organisation_members").values({ organisation_id: org.id, user_id: user.id, role: i === 0 ? "owner" : "organiser" }).execute();
    organiserEmails.push(email);
  }
  return { id: org.id, slug: options.slug, accountId, organiserEmails };
}

/** A live JPY need whose goal is exactly `goal` (one item, quantity 1). */
export async function createLiveNeed(db: Database, organisationId: number, options: { slug: string; goal: number }): Promise<{ id: number; slug: string }> {
  const need = await createNeed(db, organisationId, {
    slug: options.slug,
    title: "A refrigerator for the shelter (bench)",
    summary: "Benchmark need.",
    story: "Food Bank deliveries arrive every other week.",
    currency: "JPY",
    deadline: null,
    surplusPolicy: "Anything above the goal goes to the food fund.",
    items: [{ name: "Refrigerator", description: "400 L", quantity: 1, unitCost: options.goal }],
  });
  await transitionNeed(db, { organisationId, needId: need.id, to: "live" });
  return need;
}

// ---- Donations --------------------------------------------------------------------------------

export interface PendingDonation {
  id: number;
  needId: number;
  amount: number;
  feeCover: number;
  email: string;
  accountId: string;
  sessionId: string;
  paymentIntentId: string;
}

export interface DonationSpec {
  amount: number;
  feeCover: number;
  email: string;
  locale: Locale;
}

/** Pending donations with their Checkout Sessions, as the donate form leaves them; inserted in chunks. */
export async function insertPendingDonations(db: Database, needId: number, accountId: string, specs: DonationSpec[]): Promise<PendingDonation[]> {
  const out: PendingDonation[] = [];
  for (let start = 0; start < specs.length; start += 500) {
    const chunk = specs.slice(start, start + 500).map((spec) => ({ spec, sessionId: `cs_bench_${token(16)}`, paymentIntentId: `pi_bench${token(10)}` }));
    const rows = await db
      .insertInto("donations")
      .values(
        chunk.map(({ spec, sessionId }) => ({
          need_id: needId,
          amount: spec.amount,
          fee_cover: spec.feeCover,
          currency: "JPY",
          donor_email: spec.email,
          locale: spec.locale,
          status: "pending" as const,
          stripe_checkout_session_id: sessionId,
          stripe_account_id: accountId,
          submission_token: token(16),
        })),
      )
      .returning(["id", "stripe_checkout_session_id"])
      .execute();
    const ids = new Map(rows.map((r) => [r.stripe_checkout_session_id, r.id]));
    for (const { spec, sessionId, paymentIntentId } of chunk) {
      out.push({ id: ids.get(sessionId)!, needId, amount: spec.amount, feeCover: spec.feeCover, email: spec.email, accountId, sessionId, paymentIntentId });
    }
  }
  return out;
}

/**
 * `count` succeeded donations of `amount` each, from backer-<i>@bench.example (distinct
 * addresses), half of them in Japanese; one INSERT … SELECT, as if long since paid.
 */
export async function insertSucceededDonations(db: Database, needId: number, accountId: string, count: number, amount: number): Promise<void> {
  await sql`
    INSERT INTO donations (need_id, amount, currency, donor_email, locale, status, stripe_checkout_session_id,
                           stripe_payment_intent_id, stripe_account_id, created_at, succeeded_at)
    SELECT ${needId}, ${amount}, 'JPY', 'backer-' || i || '@bench.example',
           CASE WHEN i % 2 = 0 THEN 'en' ELSE 'ja' END, 'succeeded',
           'cs_bench_old_' || i, 'pi_bench_old_' || i, ${accountId},
           now() - interval '2 days', now() - interval '1 day'
    FROM generate_series(0, ${count - 1}) AS i`.execute(db);
}

// ---- Stripe events --------------------------------------------------------------------------

let clock = Math.floor(Date.now() / 1000) - 3_600;

/** checkout.session.completed for a donation, from its connected account, as Stripe sends it. */
export function checkoutCompleted(d: PendingDonation, eventId = `evt_bench${token(12)}`): Stripe.Event {
  clock += 1;
  const session = {
    id: d.sessionId,
    object: "checkout.session",
    amount_subtotal: d.amount + d.feeCover,
    amount_total: d.amount + d.feeCover,
    client_reference_id: null,
    created: clock,
    currency: "jpy",
    customer_details: { email: d.email, name: null },
    customer_email: d.email,
    livemode: false,
    metadata: { donation_id: String(d.id), need_id: String(d.needId) },
    mode: "payment",
    payment_intent: d.paymentIntentId,
    payment_status: "paid",
    status: "complete",
    submit_type: "donate",
    ui_mode: "hosted",
  };
  return {
    id: eventId,
    object: "event",
    account: d.accountId,
    api_version: STRIPE_API_VERSION,
    created: clock,
    data: { object: session },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: "checkout.session.completed",
  } as unknown as Stripe.Event;
}

export interface SignedEvent {
  id: string;
  payload: string;
  signature: string;
}

/** Serialised and signed with the given secret (the demo endpoint's), as Stripe delivers it. */
export function sign(event: Stripe.Event, secret: string): SignedEvent {
  const payload = JSON.stringify(event);
  return { id: event.id, payload, signature: signWebhookPayload(payload, secret) };
}
