import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_ORGANISATIONS } from "../../db/demo-content";
import { seedDemoContent } from "~/models/demo.server";
import type { LifecycleStep } from "~/models/schema";
import { buildNeedTimeline, type PublicUpdate } from "~/models/timeline.server";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { appRequests } from "../support/http";
import { createOrganiser, createTestNeed, setPublishedAt, type Organiser } from "../support/needs";
import { insertTestUpdate, type TestUpdate } from "../support/updates";

let database: TestDatabase;
let app: TestApp;
let owner: Organiser;

const APP_URL = "https://tomoni.example";
const SEEDED = new Date("2026-11-22T09:00:00Z");

beforeAll(async () => {
  database = await createTestDatabase();
  // Demo content only seeds an empty database: first, before any test organisation exists.
  await seedDemoContent(database.db, DEMO_ORGANISATIONS, SEEDED, null);
  app = await startTestApp(database.db, { APP_URL });
  owner = await createOrganiser(database.db, { orgName: "Yodogawa Refuge Network (test)" });
});
afterAll(async () => {
  await app?.close();
  await database?.destroy();
});

const db = () => database.db;
const { get } = appRequests(() => app);
const page = async (path: string, headers: Record<string, string> = {}) => {
  const res = await get(path, headers);
  expect(res.status).toBe(200);
  return res.text();
};

/** An update of the owner's organisation unless `organisationId` says otherwise; published unless `publishedAt` is null. */
const addUpdate = (needId: number | null, fields: Omit<TestUpdate, "organisationId" | "needId" | "eventDate"> & { eventDate: string } & { organisationId?: number }) =>
  insertTestUpdate(db(), { ...fields, needId, organisationId: fields.organisationId ?? owner.organisationId });

const at = (html: string, marker: string) => {
  const index = html.indexOf(marker);
  expect(index, `${marker} is on the page`).toBeGreaterThan(0);
  return index;
};

/** The steps of the progress track with their state classes, in order. */
function track(html: string): { name: string; state: string; text: string }[] {
  const list = /<ol class="lifecycle-track"[^>]*>(.*?)<\/ol>/s.exec(html)?.[1] ?? "";
  return [...list.matchAll(/<li class="lifecycle-step (step-done|step-ahead)[^"]*"[^>]*>(.*?)<\/li>/gs)].map((m) => ({
    state: m[1]!,
    name: /<span class="step-name">(.*?)<\/span>/s.exec(m[2]!)?.[1] ?? "",
    text: m[2]!.replace(/<[^>]+>/g, ""),
  }));
}

describe(`the need's timeline on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("orders updates by event date, not by publish time; ties by publish time", async () => {
    const need = await createTestNeed(db(), owner.organisationId);
    const january = await addUpdate(need.id, { title: "January news", eventDate: "2026-01-25", publishedAt: new Date("2026-01-26T10:00:00Z") });
    const march = await addUpdate(need.id, { title: "March news", eventDate: "2026-03-20", publishedAt: new Date("2026-03-21T10:00:00Z") });
    // Posted last, about something older than March: it belongs below March.
    const late = await addUpdate(need.id, { title: "Written up late", eventDate: "2026-02-01", publishedAt: new Date("2026-04-01T10:00:00Z") });
    // Same event day as March, posted later: above March.
    const sameDay = await addUpdate(need.id, { title: "Same day, posted later", eventDate: "2026-03-20", publishedAt: new Date("2026-03-22T10:00:00Z") });

    const html = await page(`/needs/${need.slug}`);
    const order = [sameDay, march, late, january].map((id) => at(html, `id="update-${id}"`));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // When it happened and when it was posted are told apart.
    expect(html).toMatch(/Posted <time dateTime="2026-04-01T10:00:00.000Z">April 1, 2026<\/time>/);
  });

  it("puts the lifecycle milestones between the updates by date", async () => {
    const need = await createTestNeed(db(), owner.organisationId);
    await setPublishedAt(db(), need.id, new Date("2026-01-10T09:00:00Z"));
    await db().updateTable("needs").set({ funded_at: new Date("2026-02-15T12:00:00Z"), status: "funded" }).where("id", "=", need.id).execute();
    const before = await addUpdate(need.id, { title: "Before the goal", eventDate: "2026-02-01", publishedAt: new Date("2026-02-01T12:00:00Z") });
    const after = await addUpdate(need.id, { title: "After the goal", eventDate: "2026-03-01", publishedAt: new Date("2026-03-01T12:00:00Z") });

    const html = await page(`/needs/${need.slug}`);
    const positions = [
      at(html, `id="update-${after}"`),
      at(html, 'data-milestone="funded"'),
      at(html, `id="update-${before}"`),
      at(html, 'data-milestone="published"'),
    ];
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(html).toContain("The goal was reached.");
    const steps = track(html);
    expect(steps.map((s) => [s.name, s.state])).toEqual([
      ["Published", "step-done"],
      ["Funded", "step-done"],
      ["Purchased", "step-ahead"],
      ["Delivered", "step-ahead"],
      ["Completed", "step-ahead"],
    ]);
    expect(steps[0]!.text).toContain("January 10, 2026");
    expect(steps[1]!.text).toContain("February 15, 2026");
    expect(html).toMatch(/<li class="lifecycle-step step-done step-current"[^>]*aria-current="step"/);
  });

  it("shows a step announced by an update once, as that update with its badge, spend note and date", async () => {
    const need = await createTestNeed(db(), owner.organisationId);
    await db()
      .updateTable("needs")
      .set({ status: "purchased", funded_at: new Date("2026-02-15T12:00:00Z"), purchased_at: new Date("2026-03-25T08:00:00Z") })
      .where("id", "=", need.id)
      .execute();
    const bought = await addUpdate(need.id, {
      title: "The fridge was bought",
      eventDate: "2026-03-20",
      publishedAt: new Date("2026-03-25T08:00:00Z"),
      lifecycleStep: "purchased",
      spendNote: "Bought for ¥76,800; the ¥1,200 left goes to the food fund.",
    });
    const html = await page(`/needs/${need.slug}`);
    expect(html).not.toContain('data-milestone="purchased"');
    const entry = html.slice(at(html, `id="update-${bought}"`));
    expect(entry).toMatch(/class="step-badge">Step: Purchased</);
    expect(entry).toContain("Spending: Bought for ¥76,800; the ¥1,200 left goes to the food fund.");
    // The track dates the step by the update's event date (when it happened).
    expect(track(html).find((s) => s.name === "Purchased")).toMatchObject({ state: "step-done" });
    expect(track(html).find((s) => s.name === "Purchased")?.text).toContain("March 20, 2026");
  });

  it("never shows drafts or deleted updates", async () => {
    const need = await createTestNeed(db(), owner.organisationId);
    await addUpdate(need.id, { title: "Visible update", eventDate: "2026-03-01" });
    await addUpdate(need.id, { title: "A draft nobody should see", eventDate: "2026-03-02", publishedAt: null });
    await addUpdate(need.id, { title: "A deleted update", eventDate: "2026-03-03", deletedAt: new Date() });
    const html = await page(`/needs/${need.slug}`);
    expect(html).toContain("Visible update");
    expect(html).not.toContain("A draft nobody should see");
    expect(html).not.toContain("A deleted update");
  });

  it("says when an update was edited", async () => {
    const need = await createTestNeed(db(), owner.organisationId);
    const id = await addUpdate(need.id, { title: "Fixed a typo", eventDate: "2026-03-01", publishedAt: new Date("2026-03-01T09:00:00Z"), editedAt: new Date("2026-03-02T14:05:00Z") });
    const html = await page(`/needs/${need.slug}`);
    const entry = html.slice(at(html, `id="update-${id}"`));
    expect(entry).toMatch(/Edited <time dateTime="2026-03-02T14:05:00.000Z">Mar 2, 2026, 2:05\s?PM UTC<\/time>/);
    const ja = await page(`/needs/${need.slug}`, { "Accept-Language": "ja" });
    expect(ja.slice(ja.indexOf(`id="update-${id}"`))).toMatch(/<time dateTime="2026-03-02T14:05:00.000Z">2026\/03\/02 14:05 UTC<\/time> に編集/);
  });

  it.each([
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=javascript:alert(1)></iframe>",
    '<svg onload="alert(1)"></svg>',
  ])("neutralises %j in an update body", async (payload) => {
    const need = await createTestNeed(db(), owner.organisationId);
    const id = await addUpdate(need.id, { title: "<b>Title</b> & <script>alert(1)</script>", body: `Before.\n\n${payload}\n\nAfter.`, eventDate: "2026-03-01" });
    const html = await page(`/needs/${need.slug}`);
    const entry = html.slice(at(html, `id="update-${id}"`), html.indexOf("</li>", at(html, `id="update-${id}"`)));
    expect(entry).toContain("After.");
    expect(entry).not.toMatch(/<script|<img|<iframe|<svg|onerror=|onload=|javascript:/i);
    // The title is text, never markup.
    expect(entry).toContain("&lt;b&gt;Title&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("keeps a completed need's page up as a record, every step done", async () => {
    const need = await createTestNeed(db(), owner.organisationId);
    await setPublishedAt(db(), need.id, new Date("2026-01-10T09:00:00Z"));
    await db()
      .updateTable("needs")
      .set({
        status: "closed",
        funded_at: new Date("2026-02-15T00:00:00Z"),
        purchased_at: new Date("2026-03-01T00:00:00Z"),
        delivered_at: new Date("2026-03-05T00:00:00Z"),
        closed_at: new Date("2026-03-10T00:00:00Z"),
      })
      .where("id", "=", need.id)
      .execute();
    const html = await page(`/needs/${need.slug}`);
    expect(html).toContain("Its page stays up as a record");
    expect(track(html).map((s) => s.state)).toEqual(["step-done", "step-done", "step-done", "step-done", "step-done"]);
    const order = ["closed", "delivered", "purchased", "funded", "published"].map((step) => at(html, `data-milestone="${step}"`));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it("shows the same timeline in the organisers' preview", async () => {
    const need = await createTestNeed(db(), owner.organisationId, { publish: false });
    const html = await page(`/dashboard/${owner.orgSlug}/needs/${need.slug}/preview`, { Cookie: owner.cookie });
    // A draft: nothing done yet, every step ahead; no follow form or feed for a page nobody can see.
    expect(track(html).map((s) => s.state)).toEqual(["step-ahead", "step-ahead", "step-ahead", "step-ahead", "step-ahead"]);
    expect(html).not.toContain("/feed.xml");
    expect(html).not.toContain('name="followEmail"');
  });
});

describe("the organisation page", () => {
  it("shows the organisation-wide updates, not the needs' own", async () => {
    const need = await createTestNeed(db(), owner.organisationId);
    await addUpdate(need.id, { title: "Only on the need page", eventDate: "2026-03-01" });
    const older = await addUpdate(null, { title: "Our annual report", eventDate: "2026-01-15" });
    const newer = await addUpdate(null, { title: "New volunteers welcome", eventDate: "2026-03-15" });
    await addUpdate(null, { title: "Organisation draft", eventDate: "2026-03-16", publishedAt: null });
    const html = await page(`/orgs/${owner.orgSlug}`);
    expect(at(html, `id="update-${newer}"`)).toBeLessThan(at(html, `id="update-${older}"`));
    expect(html).not.toContain("Only on the need page");
    expect(html).not.toContain("Organisation draft");
    expect(html).toContain("News from Yodogawa Refuge Network (test)");
  });
});

describe("the timeline rules", () => {
  const update = (id: number, eventDate: string, publishedAt: string, lifecycleStep: LifecycleStep | null = null): PublicUpdate => ({
    id,
    needId: 1,
    title: `u${id}`,
    body: "",
    eventDate,
    publishedAt: new Date(publishedAt),
    editedAt: null,
    lifecycleStep,
    spendNote: "",
  });

  it("interleaves and orders deterministically, ids breaking exact ties", () => {
    const timeline = buildNeedTimeline(
      [update(1, "2026-03-01", "2026-03-02T00:00:00Z"), update(2, "2026-03-01", "2026-03-02T00:00:00Z"), update(3, "2026-01-01", "2026-05-01T00:00:00Z")],
      { status: "live", publishedAt: new Date("2026-02-01T00:00:00Z"), fundedAt: null, purchasedAt: null, deliveredAt: null, closedAt: null },
    );
    expect(timeline.entries.map((e) => (e.kind === "update" ? e.id : e.step))).toEqual([2, 1, "published", 3]);
    expect(timeline.track?.filter((s) => !s.done).map((s) => s.step)).toEqual(["funded", "purchased", "delivered", "closed"]);
    expect(timeline.completed).toBe(false);
  });
});

describe("the demo refrigerator", () => {
  it("shows both dated updates newest first and the steps still to come", async () => {
    const html = await page("/needs/refrigerator-for-the-shelter");
    const chosen = at(html, "We have chosen the refrigerator");
    const urgent = at(html, "the fridge is now urgent");
    expect(chosen).toBeLessThan(urgent);
    expect(html).toContain('<time dateTime="2026-11-18">November 18, 2026</time>');
    expect(html).toContain('<time dateTime="2026-11-10">November 10, 2026</time>');
    expect(at(html, 'data-milestone="published"')).toBeGreaterThan(urgent);
    expect(track(html).map((s) => [s.name, s.state])).toEqual([
      ["Published", "step-done"],
      ["Funded", "step-ahead"],
      ["Purchased", "step-ahead"],
      ["Delivered", "step-ahead"],
      ["Completed", "step-ahead"],
    ]);
    // The totals other tests rely on are untouched.
    expect(html).toContain("¥46,000 raised of ¥92,000");
  });

  it("in Japanese too", async () => {
    const html = await page("/needs/refrigerator-for-the-shelter", { "Accept-Language": "ja" });
    expect(html).toContain("活動報告と経過");
    expect(track(html).map((s) => [s.name, s.state])).toEqual([
      ["募集開始", "step-done"],
      ["目標達成", "step-ahead"],
      ["購入", "step-ahead"],
      ["お届け", "step-ahead"],
      ["完了", "step-ahead"],
    ]);
  });

  it("dates the steps of the finished futon need from its updates and keeps its page as a record", async () => {
    const need = await db()
      .selectFrom("needs")
      .where("slug", "=", "winter-futons")
      .select(["status", "funded_at", "purchased_at", "delivered_at", "closed_at"])
      .executeTakeFirstOrThrow();
    const day = (d: Date | null) => d?.toISOString().slice(0, 10);
    expect(need.status).toBe("closed");
    expect(day(need.funded_at)).toBe("2026-01-14"); // the third gift, 312 days before seeding, reached ¥58,000
    expect(day(need.purchased_at)).toBe("2026-01-21"); // "Futons bought", 305 days before
    expect(day(need.delivered_at)).toBe("2026-01-26"); // "Everyone sleeps warm", 300 days before
    expect(day(need.closed_at)).toBe("2026-01-28");
    const html = await page("/needs/winter-futons");
    expect(html).toContain("Its page stays up as a record");
    expect(track(html).every((s) => s.state === "step-done")).toBe(true);
    expect(html).toContain("Step: Purchased");
    expect(html).toContain("Step: Delivered");
  });

  it("subscribes the backers who opted in, each in their language", async () => {
    const rows = await db()
      .selectFrom("subscriptions as s")
      .innerJoin("needs as n", "n.id", "s.need_id")
      .where("n.slug", "=", "refrigerator-for-the-shelter")
      .select(["s.email", "s.status", "s.source", "s.locale", "s.confirmed_at"])
      .orderBy("s.email")
      .execute();
    expect(rows.map((r) => [r.email, r.status, r.source, r.locale])).toEqual([
      ["aiko@example.org", "active", "donation", "ja"],
      ["anon1@example.org", "active", "donation", "ja"],
      ["hiro@example.org", "active", "donation", "ja"],
      ["sara@example.org", "active", "donation", "en"],
      ["tom@example.org", "active", "donation", "en"],
      ["yuki@example.org", "active", "donation", "ja"],
    ]);
    expect(rows.every((r) => r.confirmed_at !== null)).toBe(true);
    const updates = await db().selectFrom("updates").select("consent_confirmed").execute();
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.filter((u) => u.consent_confirmed === false)).toEqual([]);
  });
});
