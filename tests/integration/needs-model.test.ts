import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addItem,
  applyTransition,
  createNeed,
  getOrganisationNeed,
  getPublicNeed,
  listOrganisationNeeds,
  listPublicNeeds,
  moveItem,
  removeItem,
  substituteItem,
  transitionNeed,
  updateItem,
  updateNeedDetails,
} from "~/models/needs.server";
import type { NeedStatus } from "~/models/schema";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { addDonation, createOrganiser, createTestNeed, FRIDGE_ITEMS, setPublishedAt, type Organiser } from "../support/needs";

let database: TestDatabase;
let org: Organiser;
let other: Organiser;

beforeAll(async () => {
  database = await createTestDatabase();
  org = await createOrganiser(database.db, { orgName: "Yodogawa Refuge Network" });
  other = await createOrganiser(database.db, { orgName: "Another group" });
});
afterAll(async () => {
  await database?.destroy();
});

const db = () => database.db;
const statusOf = async (id: number) => (await db().selectFrom("needs").where("id", "=", id).select(["status", "published_at"]).executeTakeFirstOrThrow());
const itemRows = async (needId: number) =>
  db().selectFrom("items").where("need_id", "=", needId).select(["id", "name", "quantity", "unit_cost", "position", "substituted_by_item_id"]).orderBy("position").execute();

describe(`needs on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  describe("goal", () => {
    it("is the sum of quantity × unit cost, computed from the items", async () => {
      const need = await createTestNeed(db(), org.organisationId);
      const detail = await getPublicNeed(db(), need.slug);
      expect(detail?.goal).toBe(78_000 + 6_000 + 10 * 800);
      expect(detail?.items.map((i) => i.total)).toEqual([78_000, 6_000, 8_000]);
      const [summary] = await listPublicNeeds(db(), { search: "Refrigerator", organisationSlug: org.orgSlug, limit: 1 });
      expect(summary?.goal).toBe(92_000);
      // Nothing in the schema stores a goal: it can only be derived from the items.
      const columns = await sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns WHERE table_name = 'needs'`.execute(db());
      expect(columns.rows.map((c) => c.column_name)).not.toContain("goal");
    });

    it("grows with an added item and leaves a substituted item out", async () => {
      const need = await createTestNeed(db(), org.organisationId);
      await addItem(db(), org.organisationId, need.id, { name: "Extension cord", description: "", quantity: 2, unitCost: 1_500 });
      expect((await getPublicNeed(db(), need.slug))?.goal).toBe(95_000);
      const [fridge] = await itemRows(need.id);
      await substituteItem(db(), org.organisationId, need.id, fridge!.id, { name: "Refrigerator (350 L)", description: "", quantity: 1, unitCost: 69_800 });
      const detail = await getPublicNeed(db(), need.slug);
      expect(detail?.goal).toBe(95_000 - 78_000 + 69_800);
      expect(detail?.items.map((i) => [i.name, i.substitutedBy])).toEqual([
        ["Refrigerator", "Refrigerator (350 L)"],
        ["Refrigerator (350 L)", null],
        ["Delivery and installation", null],
        ["Food storage containers", null],
        ["Extension cord", null],
      ]);
    });
  });

  describe("lifecycle", () => {
    it("publishes a draft once, setting published_at", async () => {
      const need = await createTestNeed(db(), org.organisationId, { publish: false });
      expect(await getPublicNeed(db(), need.slug)).toBeUndefined();
      expect(await statusOf(need.id)).toMatchObject({ status: "draft", published_at: null });
      await transitionNeed(db(), { organisationId: org.organisationId, needId: need.id, to: "live" });
      const after = await statusOf(need.id);
      expect(after.status).toBe("live");
      expect(after.published_at).toBeInstanceOf(Date);
      expect((await getPublicNeed(db(), need.slug))?.status).toBe("live");
    });

    it("refuses to publish a need without items", async () => {
      const need = await createNeed(db(), org.organisationId, {
        slug: `empty-${Date.now()}`,
        title: "Empty",
        summary: "",
        story: "",
        currency: "JPY",
        deadline: null,
        surplusPolicy: "x",
        items: [],
      });
      await expect(transitionNeed(db(), { organisationId: org.organisationId, needId: need.id, to: "live" })).rejects.toMatchObject({ code: "no_items" });
      expect((await statusOf(need.id)).status).toBe("draft");
    });

    const walk: [NeedStatus, NeedStatus, "organiser" | "system", boolean][] = [
      ["draft", "funded", "organiser", false],
      ["draft", "purchased", "organiser", false],
      ["draft", "live", "organiser", true],
      ["live", "funded", "organiser", false],
      ["live", "purchased", "organiser", false],
      ["live", "closed", "organiser", false],
      ["live", "funded", "system", true],
      ["funded", "live", "organiser", false],
      ["funded", "delivered", "organiser", false],
      ["funded", "purchased", "organiser", true],
      ["purchased", "cancelled", "organiser", false],
      ["purchased", "delivered", "organiser", true],
      ["delivered", "purchased", "organiser", false],
      ["delivered", "closed", "organiser", true],
      ["closed", "live", "organiser", false],
      ["closed", "cancelled", "organiser", false],
    ];

    it("walks draft → closed, refusing every illegal step on the way and changing nothing then", async () => {
      const need = await createTestNeed(db(), org.organisationId, { publish: false });
      for (const [from, to, actor, legal] of walk) {
        expect((await statusOf(need.id)).status).toBe(from);
        const attempt = transitionNeed(db(), { organisationId: org.organisationId, needId: need.id, to, actor });
        if (legal) await expect(attempt).resolves.toEqual({ from, to });
        else await expect(attempt, `${from} → ${to} by ${actor}`).rejects.toMatchObject({ code: "illegal_transition" });
      }
      expect((await statusOf(need.id)).status).toBe("closed");
    });

    it.each(["draft", "live", "funded"] as const)("cancels from %s", async (from) => {
      const need = await createTestNeed(db(), org.organisationId, { publish: false });
      if (from !== "draft") await applyTransition(db(), need.id, "draft", "live", "organiser");
      if (from === "funded") await applyTransition(db(), need.id, "live", "funded", "system");
      await transitionNeed(db(), { organisationId: org.organisationId, needId: need.id, to: "cancelled" });
      expect((await statusOf(need.id)).status).toBe("cancelled");
      expect(await getPublicNeed(db(), need.slug)).toBeUndefined();
    });

    it("refuses a step based on a status the need has left (a stale page)", async () => {
      const need = await createTestNeed(db(), org.organisationId, { publish: false });
      await transitionNeed(db(), { organisationId: org.organisationId, needId: need.id, from: "draft", to: "cancelled" });
      await expect(transitionNeed(db(), { organisationId: org.organisationId, needId: need.id, from: "draft", to: "live" })).rejects.toMatchObject({
        code: "conflict",
      });
      expect((await statusOf(need.id)).status).toBe("cancelled");
    });

    it("never changes another organisation's need", async () => {
      const need = await createTestNeed(db(), org.organisationId, { publish: false });
      await expect(transitionNeed(db(), { organisationId: other.organisationId, needId: need.id, to: "live" })).rejects.toMatchObject({ code: "not_found" });
      await expect(updateNeedDetails(db(), other.organisationId, need.id, { title: "Mine", summary: "", story: "", deadline: null, surplusPolicy: "x" })).rejects.toMatchObject({
        code: "not_found",
      });
      const [first] = await itemRows(need.id);
      await expect(removeItem(db(), other.organisationId, need.id, first!.id)).rejects.toMatchObject({ code: "not_found" });
      expect(await getOrganisationNeed(db(), other.organisationId, need.slug)).toBeUndefined();
      expect((await statusOf(need.id)).status).toBe("draft");
      expect(await itemRows(need.id)).toHaveLength(3);
    });

    it.runIf(onPostgres)("lets exactly one of two concurrent transitions win (PostgreSQL)", async () => {
      const need = await createTestNeed(db(), org.organisationId, { publish: false });
      // Hold the need's row so both transitions read "draft" and then queue on the same lock.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const blocker = db()
        .transaction()
        .execute(async (trx) => {
          await trx.selectFrom("needs").where("id", "=", need.id).select("id").forUpdate().execute();
          locked();
          await held;
        });
      await isLocked;
      const racing = [
        transitionNeed(db(), { organisationId: org.organisationId, needId: need.id, to: "live" }),
        transitionNeed(db(), { organisationId: org.organisationId, needId: need.id, to: "cancelled" }),
        transitionNeed(db(), { organisationId: org.organisationId, needId: need.id, to: "live" }),
      ].map((p) => p.then(
        (value) => ({ ok: true as const, value }),
        (error: { code?: string }) => ({ ok: false as const, code: error.code }),
      ));
      // Give all three time to read the status and block on the row lock.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const waiting = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(db());
      expect(waiting.rows[0]?.n).toBe(3);
      release();
      await blocker;
      const results = await Promise.all(racing);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok).map((r) => (r.ok ? "" : r.code))).toEqual(["conflict", "conflict"]);
      const winner = results.find((r) => r.ok);
      expect((await statusOf(need.id)).status).toBe(winner?.ok ? winner.value.to : "none");
    });
  });

  describe("items once donations exist", () => {
    it("refuses to edit, remove or reorder existing items, and writes nothing", async () => {
      const need = await createTestNeed(db(), org.organisationId);
      await addDonation(db(), need.id, 1_000, { status: "pending" }); // any row counts, even an unfinished one
      const before = await itemRows(need.id);
      const [first, second] = before;
      await expect(updateItem(db(), org.organisationId, need.id, first!.id, { ...FRIDGE_ITEMS[0]!, unitCost: 1 })).rejects.toMatchObject({ code: "has_donations" });
      await expect(removeItem(db(), org.organisationId, need.id, second!.id)).rejects.toMatchObject({ code: "has_donations" });
      await expect(moveItem(db(), org.organisationId, need.id, second!.id, "up")).rejects.toMatchObject({ code: "has_donations" });
      expect(await itemRows(need.id)).toEqual(before);
    });

    it("lets organisers add an item (marked with its date) or substitute one", async () => {
      const need = await createTestNeed(db(), org.organisationId);
      // Published yesterday, so an item added now is visibly later.
      await setPublishedAt(db(), need.id, new Date(Date.now() - 86_400_000));
      await addDonation(db(), need.id, 50_000);
      await addItem(db(), org.organisationId, need.id, { name: "Rice cooker", description: "", quantity: 1, unitCost: 9_000 });
      const [, delivery] = await itemRows(need.id);
      await substituteItem(db(), org.organisationId, need.id, delivery!.id, { name: "Delivery (2nd floor)", description: "", quantity: 1, unitCost: 5_000 });
      const detail = (await getPublicNeed(db(), need.slug))!;
      const today = new Date().toISOString().slice(0, 10);
      expect(detail.items.map((i) => [i.name, i.substitutedBy, i.addedAt])).toEqual([
        ["Refrigerator", null, null],
        ["Delivery and installation", "Delivery (2nd floor)", null],
        ["Delivery (2nd floor)", null, today],
        ["Food storage containers", null, null],
        ["Rice cooker", null, today],
      ]);
      expect(detail.goal).toBe(78_000 + 5_000 + 8_000 + 9_000);
      // The substituted item can no longer be substituted again or edited.
      await expect(
        substituteItem(db(), org.organisationId, need.id, delivery!.id, { name: "Again", description: "", quantity: 1, unitCost: 1 }),
      ).rejects.toMatchObject({ code: "already_substituted" });
    });

    it.runIf(onPostgres)("sees a donation committed while it waited for the need's lock (PostgreSQL)", async () => {
      const need = await createTestNeed(db(), org.organisationId);
      const [first] = await itemRows(need.id);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      // What the donations code will do: lock the need, insert the donation, commit.
      const donation = db()
        .transaction()
        .execute(async (trx) => {
          await trx.selectFrom("needs").where("id", "=", need.id).select("id").forUpdate().execute();
          await addDonation(trx as never, need.id, 5_000);
          locked();
          await held;
        });
      await isLocked;
      const edit = updateItem(db(), org.organisationId, need.id, first!.id, { ...FRIDGE_ITEMS[0]!, unitCost: 1 }).then(
        () => "edited",
        (error: { code?: string }) => error.code,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      release();
      await donation;
      expect(await edit).toBe("has_donations");
      expect((await itemRows(need.id))[0]?.unit_cost).toBe(78_000);
    });
  });

  describe("reordering", () => {
    it("swaps an item with its neighbour, and refuses past either end", async () => {
      const need = await createTestNeed(db(), org.organisationId, { publish: false });
      const [a, b, c] = await itemRows(need.id);
      await moveItem(db(), org.organisationId, need.id, c!.id, "up");
      expect((await itemRows(need.id)).map((i) => i.id)).toEqual([a!.id, c!.id, b!.id]);
      await moveItem(db(), org.organisationId, need.id, a!.id, "down");
      expect((await itemRows(need.id)).map((i) => i.id)).toEqual([c!.id, a!.id, b!.id]);
      await expect(moveItem(db(), org.organisationId, need.id, c!.id, "up")).rejects.toMatchObject({ code: "cannot_move" });
      await expect(moveItem(db(), org.organisationId, need.id, b!.id, "down")).rejects.toMatchObject({ code: "cannot_move" });
    });
  });

  describe("details", () => {
    it("fixes slug and currency once published, and currency once items exist", async () => {
      const draft = await createTestNeed(db(), org.organisationId, { publish: false });
      const base = { title: "T", summary: "S", story: "", deadline: null, surplusPolicy: "x" };
      await expect(updateNeedDetails(db(), org.organisationId, draft.id, { ...base, currency: "USD" })).rejects.toMatchObject({ code: "currency_locked" });
      const renamed = `renamed-${draft.id}`;
      await expect(updateNeedDetails(db(), org.organisationId, draft.id, { ...base, slug: renamed })).resolves.toEqual({ slug: renamed });
      await transitionNeed(db(), { organisationId: org.organisationId, needId: draft.id, to: "live" });
      await expect(updateNeedDetails(db(), org.organisationId, draft.id, { ...base, slug: `${renamed}-2` })).rejects.toMatchObject({ code: "not_editable" });
      await expect(updateNeedDetails(db(), org.organisationId, draft.id, { ...base, title: "New title" })).resolves.toEqual({ slug: renamed });
    });

    it("refuses a taken slug through the UNIQUE constraint", async () => {
      const first = await createTestNeed(db(), org.organisationId, { publish: false });
      await expect(createTestNeed(db(), other.organisationId, { slug: first.slug })).rejects.toMatchObject({ code: "slug_taken" });
      const second = await createTestNeed(db(), org.organisationId, { publish: false });
      await expect(
        updateNeedDetails(db(), org.organisationId, second.id, { title: "T", summary: "", story: "", deadline: null, surplusPolicy: "x", slug: first.slug }),
      ).rejects.toMatchObject({ code: "slug_taken" });
    });
  });

  describe("listing, search and sorting", () => {
    let listing: Organiser;
    beforeAll(async () => {
      listing = await createOrganiser(db(), { orgName: "Listing group" });
      const make = async (title: string, summary: string, publishedDaysAgo: number, deadline: string | null, raised: number) => {
        const need = await createTestNeed(db(), listing.organisationId, { title, summary, deadline });
        await setPublishedAt(db(), need.id, new Date(Date.now() - publishedDaysAgo * 86_400_000));
        if (raised > 0) await addDonation(db(), need.id, raised);
        return need;
      };
      const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
      await make("Bus fares 100% covered", "Round trips for visits.", 1, inDays(30), 10_000);
      await make("Stamps for letters", "Letters_to_detention, 110 yen each.", 3, inDays(5), 80_000);
      await make("日本語ドリル", "子どもたちの宿題のためのドリル", 2, null, 46_000);
      await make("Old need", "Deadline passed.", 10, inDays(-3), 0);
      await createTestNeed(db(), listing.organisationId, { title: "Secret draft 100%", publish: false });
    });
    const titles = async (options: Parameters<typeof listPublicNeeds>[1]) =>
      (await listPublicNeeds(db(), { organisationSlug: listing.orgSlug, ...options })).map((n) => n.title);

    // Ending soon: upcoming deadlines first, then needs without one, then those already past.
    it("sorts newest, nearly funded and ending soon", async () => {
      expect(await titles({ sort: "newest" })).toEqual(["Bus fares 100% covered", "日本語ドリル", "Stamps for letters", "Old need"]);
      // 80,000, 46,000, 10,000 and 0 raised of ¥92,000 each.
      expect(await titles({ sort: "nearly_funded" })).toEqual(["Stamps for letters", "日本語ドリル", "Bus fares 100% covered", "Old need"]);
      expect(await titles({ sort: "ending_soon" })).toEqual(["Stamps for letters", "Bus fares 100% covered", "日本語ドリル", "Old need"]);
    });

    it("searches title and summary, taking % and _ literally", async () => {
      expect(await titles({ search: "100%" })).toEqual(["Bus fares 100% covered"]);
      expect(await titles({ search: "%" })).toEqual(["Bus fares 100% covered"]);
      expect(await titles({ search: "s_to" })).toEqual(["Stamps for letters"]);
      expect(await titles({ search: "_" })).toEqual(["Stamps for letters"]);
      expect(await titles({ search: "STAMPS" })).toEqual(["Stamps for letters"]);
      expect(await titles({ search: "宿題" })).toEqual(["日本語ドリル"]);
      expect(await titles({ search: "nothing like this" })).toEqual([]);
    });

    it("filters by organisation and never lists drafts", async () => {
      const all = await listPublicNeeds(db(), { statuses: ["live", "draft" as NeedStatus], limit: 500 });
      expect(all.map((n) => n.title)).not.toContain("Secret draft 100%");
      expect(all.some((n) => n.organisation.slug === org.orgSlug)).toBe(true);
      expect(new Set((await listPublicNeeds(db(), { organisationSlug: listing.orgSlug })).map((n) => n.organisation.slug))).toEqual(new Set([listing.orgSlug]));
      const mine = await listOrganisationNeeds(db(), listing.organisationId);
      expect(mine.map((n) => n.title)).toContain("Secret draft 100%");
    });
  });
});
