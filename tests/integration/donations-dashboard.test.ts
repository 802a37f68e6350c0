import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db.server";
import { CSV_COLUMNS } from "~/models/donation-reports.server";
import { listOrganisationNeeds } from "~/models/needs.server";
import type { DonationStatus } from "~/models/schema";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { createOrganiser, createTestNeed, type Organiser } from "../support/needs";
import { parseCsv } from "../support/csv";

let database: TestDatabase;
let app: TestApp;
let owner: Organiser;
let organiser: Organiser;
let outsider: Organiser;
let fridge: { id: number; slug: string };
let fares: { id: number; slug: string };
const ids: Record<string, number> = {};

let counter = 0;

/** A donation row as the checkout and webhook code leave it (no Stripe involved). */
async function insertDonation(
  db: Database,
  needId: number,
  values: {
    amount: number;
    status?: DonationStatus;
    currency?: string;
    feeCover?: number;
    refunded?: number;
    disputed?: number;
    disputeStatus?: string | null;
    name?: string;
    email?: string;
    showName?: boolean;
    message?: string;
    createdAt?: Date;
  },
): Promise<number> {
  const n = ++counter;
  const status = values.status ?? "succeeded";
  const paid = status === "succeeded";
  const row = await db
    .insertInto("donations")
    .values({
      need_id: needId,
      amount: values.amount,
      fee_cover: values.feeCover ?? 0,
      currency: values.currency ?? "JPY",
      donor_name: values.name ?? `Donor ${n}`,
      donor_email: values.email ?? `donor-${n}@example.org`,
      show_name: values.showName ?? true,
      message: values.message ?? "",
      status,
      refunded_amount: values.refunded ?? 0,
      disputed_amount: values.disputed ?? 0,
      dispute_status: values.disputeStatus ?? null,
      stripe_checkout_session_id: `cs_test_dash_${process.pid}_${n}`,
      stripe_payment_intent_id: paid ? `pi_dash_${process.pid}_${n}` : null,
      stripe_account_id: "acct_dash",
      created_at: values.createdAt ?? new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
      succeeded_at: paid ? new Date(Date.UTC(2026, 0, 1, 0, 1, n)) : null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp(database.db);
  const db = database.db;
  owner = await createOrganiser(db, { orgName: "Yodogawa Refuge Network" });
  organiser = await createOrganiser(db, { organisationId: owner.organisationId, role: "organiser" });
  outsider = await createOrganiser(db, { orgName: "Someone else's group" });
  fridge = await createTestNeed(db, owner.organisationId, { title: "Refrigerator for the shelter" });
  fares = await createTestNeed(db, owner.organisationId, {
    title: "Bus fares to the immigration office",
    currency: "USD",
    items: [{ name: "Monthly pass", description: "", quantity: 4, unitCost: 12_500 }],
  });
  const elsewhere = await createTestNeed(db, outsider.organisationId, { title: "Workbooks" });

  ids.aiko = await insertDonation(db, fridge.id, { amount: 10_000, feeCover: 400, name: "Aiko Tanaka", email: "aiko@example.org", message: "For the fridge!" });
  ids.kenji = await insertDonation(db, fridge.id, { amount: 5_000, refunded: 2_000, name: "Kenji Sato", email: "kenji@example.org", showName: false });
  ids.pending = await insertDonation(db, fridge.id, { amount: 3_000, status: "pending", feeCover: 120, name: "Still Paying" });
  ids.failed = await insertDonation(db, fridge.id, { amount: 1_000, status: "failed", name: "Declined Card" });
  ids.disputed = await insertDonation(db, fridge.id, { amount: 2_000, disputed: 2_000, disputeStatus: "needs_response", name: "Disputed Donor" });
  ids.won = await insertDonation(db, fridge.id, { amount: 700, disputed: 700, disputeStatus: "won", name: "Won Dispute" });
  ids.usd = await insertDonation(db, fares.id, {
    amount: 1_250,
    feeCover: 55,
    currency: "USD",
    name: '=HYPERLINK("http://evil.example","click")',
    email: "usd@example.org",
    message: 'Hello, "friends"\nsecond line',
  });
  ids.elsewhere = await insertDonation(db, elsewhere.id, { amount: 9_999, name: "Not Yours", email: "not-yours@example.org" });
});
afterAll(async () => {
  await app?.close();
  await database?.destroy();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${app.url}${path}`, { headers, redirect: "manual" });
const base = () => `/dashboard/${owner.orgSlug}/donations`;

/** The <tr> of one donation (data-donation) or one need's totals (data-need). */
function tableRow(html: string, attribute: string, value: string | number): string {
  const match = new RegExp(`<tr[^>]*${attribute}="${value}"[^>]*>(.*?)</tr>`, "s").exec(html);
  if (!match) throw new Error(`no row ${attribute}=${value}`);
  return match[1]!;
}
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, " ")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();

async function csv(path: string, headers: Record<string, string> = {}) {
  const res = await get(path, { Cookie: owner.cookie, ...headers });
  expect(res.status).toBe(200);
  const bytes = Buffer.from(await res.arrayBuffer());
  return { res, bytes, records: parseCsv(bytes.subarray(3).toString("utf8")) };
}

describe(`the organisers' donations list on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("shows every donation with status, amount, fee cover and donor — organisers see anonymous donors' names", async () => {
    const res = await get(base(), { Cookie: owner.cookie });
    expect(res.status).toBe(200);
    const html = await res.text();

    const aiko = text(tableRow(html, "data-donation", ids.aiko!));
    expect(aiko).toContain("Aiko Tanaka");
    expect(aiko).toContain("aiko@example.org");
    expect(aiko).toContain("Succeeded");
    expect(aiko).toContain("¥10,000");
    expect(aiko).toContain("¥400");
    expect(aiko).not.toContain("anonymous to the public");

    const kenji = text(tableRow(html, "data-donation", ids.kenji!));
    expect(kenji).toContain("Kenji Sato");
    expect(kenji).toContain("(anonymous to the public)");
    expect(kenji).toContain("kenji@example.org");
    expect(kenji).toContain("¥5,000");
    expect(kenji).toContain("¥2,000 refunded");

    expect(text(tableRow(html, "data-donation", ids.pending!))).toContain("Pending");
    expect(text(tableRow(html, "data-donation", ids.failed!))).toContain("Failed");
    expect(text(tableRow(html, "data-donation", ids.disputed!))).toContain("¥2,000 disputed");
    // A dispute won is money counted again: no "disputed" note.
    expect(text(tableRow(html, "data-donation", ids.won!))).not.toContain("disputed");
    const usd = text(tableRow(html, "data-donation", ids.usd!));
    expect(usd).toContain("$12.50");
    expect(usd).toContain("$0.55");

    // Newest first.
    const order = [...html.matchAll(/data-donation="(\d+)"/g)].map((m) => Number(m[1]));
    expect(order).toEqual([ids.usd, ids.won, ids.disputed, ids.failed, ids.pending, ids.kenji, ids.aiko]);
    // Another organisation's donations never appear.
    expect(html).not.toContain("not-yours@example.org");
    expect(html).not.toContain(`data-donation="${ids.elsewhere}"`);
  });

  it("totals each need: raised as the public page counts it, fee cover apart, refunds, counts by status", async () => {
    const html = await (await get(base(), { Cookie: owner.cookie })).text();
    const needs = await listOrganisationNeeds(database.db, owner.organisationId);
    const publicRaised = needs.find((n) => n.slug === fridge.slug)!.raised;
    // 10,000 + (5,000 − 2,000) + 700 (dispute won); pending, failed and the open dispute count nothing.
    expect(publicRaised).toBe(13_700);

    const row = tableRow(html, "data-need", fridge.slug);
    expect(text(/data-col="raised"[^>]*>(.*?)<\/td>/s.exec(row)![1]!)).toBe("¥13,700");
    expect(text(/data-col="fee-cover"[^>]*>(.*?)<\/td>/s.exec(row)![1]!)).toBe("¥400");
    expect(text(/data-col="refunded"[^>]*>(.*?)<\/td>/s.exec(row)![1]!)).toBe("¥2,000");
    expect(text(row)).toContain("4 succeeded · 1 pending · 1 failed · 0 expired");
    expect(text(row)).toContain("¥92,000");

    const usdRow = tableRow(html, "data-need", fares.slug);
    expect(text(/data-col="raised"[^>]*>(.*?)<\/td>/s.exec(usdRow)![1]!)).toBe("$12.50");
    expect(text(/data-col="fee-cover"[^>]*>(.*?)<\/td>/s.exec(usdRow)![1]!)).toBe("$0.55");
  });

  it("filters by need, and links to that need's CSV", async () => {
    const html = await (await get(`${base()}?need=${fares.slug}`, { Cookie: owner.cookie })).text();
    const listed = [...html.matchAll(/data-donation="(\d+)"/g)].map((m) => Number(m[1]));
    expect(listed).toEqual([ids.usd]);
    expect(html).toContain(`href="${base()}.csv?need=${fares.slug}"`);
    expect(html).not.toContain(`data-need="${fridge.slug}"`);
    expect((await get(`${base()}?need=no-such-need`, { Cookie: owner.cookie })).status).toBe(404);
  });

  it("speaks Japanese", async () => {
    const html = await (await get(base(), { Cookie: `${owner.cookie}; lang=ja` })).text();
    expect(text(tableRow(html, "data-donation", ids.kenji!))).toContain("(一般には匿名)");
    expect(html).toContain("ニーズごとの合計");
    expect(text(tableRow(html, "data-donation", ids.pending!))).toContain("処理中");
  });

  it("is 404 to non-members and sends visitors to log in", async () => {
    for (const path of [base(), `${base()}.csv`, `${base()}/${ids.aiko}`]) {
      expect((await get(path, { Cookie: outsider.cookie })).status).toBe(404);
      const anonymous = await get(path);
      expect([302, 303]).toContain(anonymous.status);
      expect(anonymous.headers.get("location")).toMatch(/^\/login/);
    }
    // A donation of another organisation is not found through this one.
    expect((await get(`${base()}/${ids.elsewhere}`, { Cookie: owner.cookie })).status).toBe(404);
    expect((await get(`${base()}/not-a-number`, { Cookie: owner.cookie })).status).toBe(404);
  });

  it("shows organisers (not only owners) the list and each donation", async () => {
    expect((await get(base(), { Cookie: organiser.cookie })).status).toBe(200);
    const res = await get(`${base()}/${ids.kenji}`, { Cookie: organiser.cookie });
    expect(res.status).toBe(200);
    const html = text(await res.text());
    expect(html).toContain("Kenji Sato");
    expect(html).toContain("kenji@example.org");
    expect(html).toContain("Anonymous to the public");
    expect(html).toContain("Only owners of this organisation can refund donations.");
  });
});

describe(`the donations CSV on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("is an attachment: UTF-8 with a byte order mark, a header row, one record per donation", async () => {
    const { res, bytes, records } = await csv(`${base()}.csv`);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(new RegExp(`^attachment; filename="donations-${owner.orgSlug}-\\d{4}-\\d{2}-\\d{2}\\.csv"$`));
    expect(res.headers.get("cache-control")).toContain("no-store");
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(-2).toString()).toBe("\r\n");
    expect(records[0]).toEqual(expect.arrayContaining(["Donation ID", "Amount", "Fee cover", "Donor name", "Donor email", "Public display"]));
    expect(records[0]).toHaveLength(CSV_COLUMNS.length);
    const byId = new Map(records.slice(1).map((r) => [Number(r[0]), r]));
    expect([...byId.keys()].sort((a, b) => a - b)).toEqual(
      [ids.aiko, ids.kenji, ids.pending, ids.failed, ids.disputed, ids.won, ids.usd].sort((a, b) => a! - b!),
    );
    const col = (id: number, name: string) => byId.get(id)![records[0]!.indexOf(name)];
    expect(col(ids.aiko!, "Amount")).toBe("10000");
    expect(col(ids.aiko!, "Fee cover")).toBe("400");
    expect(col(ids.aiko!, "Status")).toBe("succeeded");
    expect(col(ids.aiko!, "Message")).toBe("For the fridge!");
    expect(col(ids.kenji!, "Refunded")).toBe("2000");
    expect(col(ids.kenji!, "Counts toward goal")).toBe("3000");
    expect(col(ids.kenji!, "Public display")).toBe("anonymous");
    expect(col(ids.kenji!, "Donor name")).toBe("Kenji Sato");
    // Exact decimals for USD, never 12.5 or 1250.
    expect(col(ids.usd!, "Amount")).toBe("12.50");
    expect(col(ids.usd!, "Fee cover")).toBe("0.55");
    expect(col(ids.usd!, "Currency")).toBe("USD");
    // A formula typed as a name stays text; a message with quotes, a comma and a line break survives.
    expect(col(ids.usd!, "Donor name")).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(col(ids.usd!, "Message")).toBe('Hello, "friends"\nsecond line');
    expect(bytes.toString("utf8")).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
  });

  it("filters by need, and has Japanese headers for Japanese organisers", async () => {
    const { res, records } = await csv(`${base()}.csv?need=${fares.slug}`, { Cookie: `${owner.cookie}; lang=ja` });
    expect(res.headers.get("content-disposition")).toContain(`donations-${owner.orgSlug}-${fares.slug}-`);
    expect(records).toHaveLength(2);
    expect(records[0]).toContain("寄付者の名前");
    expect(Number(records[1]![0])).toBe(ids.usd);
    expect((await get(`${base()}.csv?need=no-such-need`, { Cookie: owner.cookie })).status).toBe(404);
  });
});

describe("one donation", () => {
  it("shows its details, Stripe references and what counts", async () => {
    const res = await get(`${base()}/${ids.kenji}`, { Cookie: owner.cookie });
    expect(res.status).toBe(200);
    const html = await res.text();
    const page = text(html);
    expect(page).toContain("Donation #" + ids.kenji);
    expect(page).toContain("Kenji Sato");
    expect(page).toContain("Anonymous to the public");
    expect(page).toContain(`pi_dash_${process.pid}_`);
    expect(text(/data-field="refunded"[^>]*>(.*?)<\/dd>/s.exec(html)![1]!)).toBe("¥2,000");
    expect(text(/data-field="counted"[^>]*>(.*?)<\/dd>/s.exec(html)![1]!)).toBe("¥3,000");
    // The refund form offers what is left: 5,000 − 2,000.
    expect(html).toMatch(/<input[^>]*id="amount"[^>]*value="3000"/);
    expect(page).toContain("Up to ¥3,000.");
  });

  it("offers no refund for a donation that did not succeed", async () => {
    const html = text(await (await get(`${base()}/${ids.pending}`, { Cookie: owner.cookie })).text());
    expect(html).toContain("Only succeeded donations can be refunded.");
    expect(html).not.toContain("Amount to refund");
  });
});
