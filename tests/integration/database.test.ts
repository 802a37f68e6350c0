import { sql } from "kysely";
import { Migrator } from "kysely/migration";
import { afterEach, describe, expect, it } from "vitest";
import { DEMO_ORGANISATIONS } from "../../db/demo-content";
import { seedDemoContent } from "~/models/demo.server";
import { migrateToLatest } from "~/models/migrations.server";
import { listNeedUpdates } from "~/models/timeline.server";
import { migrations } from "../../db/migrations";
import { getPublicNeed, listPublicNeeds } from "~/models/needs.server";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";

let current: TestDatabase | undefined;
afterEach(async () => {
  await current?.destroy();
  current = undefined;
});

const counts = async (t: TestDatabase) => {
  const tables = ["organisations", "needs", "items", "donations", "updates"] as const;
  const out: Record<string, number> = {};
  for (const table of tables) {
    const row = await t.db.selectFrom(table).select(sql<number>`count(*)::bigint`.as("n")).executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  return out;
};

describe(`migrations on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("create every table from nothing, and a second run changes nothing", async () => {
    current = await createTestDatabase({ migrate: false });
    const first = await migrateToLatest(current.db);
    expect(first.results?.map((r) => [r.migrationName, r.status])).toEqual(
      Object.keys(migrations).sort().map((name) => [name, "Success"]),
    );
    const tables = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`.execute(current.db);
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(["donations", "items", "needs", "organisation_members", "organisations", "updates", "users"]),
    );
    const second = await migrateToLatest(current.db);
    expect(second.results).toEqual([]);
  });

  it("turns the old 'platform fee 0 means the default' into NULL, keeps own fees, and migrates back", async () => {
    current = await createTestDatabase({ migrate: false });
    const migrator = new Migrator({ db: current.db, provider: { getMigrations: async () => migrations } });
    expect((await migrator.migrateTo("20261122_0006_update_submissions")).error).toBeUndefined();
    const insert = (slug: string, fee?: number) =>
      sql`INSERT INTO organisations (slug, name, region${fee === undefined ? sql`` : sql`, platform_fee_bps`})
          VALUES (${slug}, ${slug}, 'Osaka'${fee === undefined ? sql`` : sql`, ${fee}`})`.execute(current!.db);
    await insert("uses-default");
    await insert("own-fee", 150);
    const fees = async () =>
      (await current!.db.selectFrom("organisations").select(["slug", "platform_fee_bps"]).orderBy("slug").execute()).map((r) => [r.slug, r.platform_fee_bps]);

    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect(await fees()).toEqual([
      ["own-fee", 150],
      ["uses-default", null],
    ]);
    // 0 is now "no fee", and a new organisation takes the default.
    await current.db.insertInto("organisations").values({ slug: "fee-free", name: "Fee free", region: "Osaka", platform_fee_bps: 0 }).execute();
    await current.db.insertInto("organisations").values({ slug: "new-org", name: "New", region: "Osaka" }).execute();
    expect(await fees()).toEqual([
      ["fee-free", 0],
      ["new-org", null],
      ["own-fee", 150],
      ["uses-default", null],
    ]);

    await current.db.deleteFrom("organisations").where("slug", "=", "fee-free").execute();
    expect((await migrator.migrateTo("20261122_0006_update_submissions")).error).toBeUndefined();
    expect(await fees()).toEqual([
      ["new-org", 0],
      ["own-fee", 150],
      ["uses-default", 0],
    ]);
  });

  it("returns bigint money as exact numbers and dates as calendar strings", async () => {
    current = await createTestDatabase();
    const org = await current.db.insertInto("organisations").values({ slug: "o", name: "O" }).returning("id").executeTakeFirstOrThrow();
    const need = await current.db
      .insertInto("needs")
      .values({ organisation_id: org.id, slug: "n", title: "N", status: "live", deadline: "2027-01-25" })
      .returning(["id", "deadline"])
      .executeTakeFirstOrThrow();
    expect(typeof org.id).toBe("number");
    expect(need.deadline).toBe("2027-01-25");
    await current.db
      .insertInto("items")
      .values({ need_id: need.id, position: 0, name: "Big", quantity: 1000, unit_cost: 9_000_000_000 })
      .execute();
    const [summary] = await listPublicNeeds(current.db);
    expect(summary?.goal).toBe(9_000_000_000_000);
  });

  it("refuses rows that break the money and slug rules", async () => {
    current = await createTestDatabase();
    const org = await current.db.insertInto("organisations").values({ slug: "o", name: "O" }).returning("id").executeTakeFirstOrThrow();
    await expect(
      current.db.insertInto("organisations").values({ slug: "Bad Slug", name: "X" }).execute(),
    ).rejects.toThrow();
    const need = await current.db
      .insertInto("needs")
      .values({ organisation_id: org.id, slug: "n", title: "N" })
      .returning("id")
      .executeTakeFirstOrThrow();
    await expect(
      current.db.insertInto("items").values({ need_id: need.id, position: 0, name: "Free", quantity: 1, unit_cost: 0 }).execute(),
    ).rejects.toThrow();
    await expect(
      current.db.insertInto("needs").values({ organisation_id: org.id, slug: "m", title: "M", status: "nonsense" as "live" }).execute(),
    ).rejects.toThrow();
  });
});

describe("demo content", () => {
  it("seeds the story once: a second run, and two at once, add nothing", async () => {
    current = await createTestDatabase();
    expect(await seedDemoContent(current.db, DEMO_ORGANISATIONS)).toBe(2);
    const before = await counts(current);
    expect(before).toEqual({ organisations: 2, needs: 3, items: 7, donations: 12, updates: 4 });
    const again = await Promise.all([seedDemoContent(current.db, DEMO_ORGANISATIONS), seedDemoContent(current.db, DEMO_ORGANISATIONS)]);
    expect(again).toEqual([0, 0]);
    expect(await counts(current)).toEqual(before);
  });

  it("tells the refrigerator story: three JPY items, progress, two dated updates", async () => {
    current = await createTestDatabase();
    await seedDemoContent(current.db, DEMO_ORGANISATIONS, new Date("2026-11-22T09:00:00Z"));
    const fridge = await getPublicNeed(current.db, "refrigerator-for-the-shelter");
    expect(fridge).toMatchObject({ title: "Refrigerator for the shelter", currency: "JPY", status: "live", goal: 92_000, raised: 46_000, backers: 7 });
    expect(fridge?.items.map((i) => [i.name.split(" (")[0], i.total, i.funded])).toEqual([
      ["Refrigerator", 78_000, 43_000],
      ["Delivery and installation", 6_000, 0],
      ["Food storage containers", 8_000, 3_000],
    ]);
    expect((await listNeedUpdates(current.db, fridge!.id)).map((u) => u.eventDate)).toEqual(["2026-11-18", "2026-11-10"]);
    const live = await listPublicNeeds(current.db);
    expect(live.map((n) => n.slug).sort()).toEqual(["refrigerator-for-the-shelter", "workbooks-stamps-and-bus-fares"]);
    const done = await listPublicNeeds(current.db, { statuses: ["closed"] });
    expect(done.map((n) => [n.slug, n.raised >= n.goal])).toEqual([["winter-futons", true]]);
  });
});
