import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listSupporters } from "~/models/supporters.server";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { addDonation, createOrganiser, createTestNeed } from "../support/needs";

let database: TestDatabase;
const db = () => database.db;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.destroy();
});

async function give(needId: number, amount: number, values: Record<string, unknown>) {
  const id = await addDonation(db(), needId, amount, { status: (values.status as "succeeded") ?? "succeeded" });
  await db().updateTable("donations").set(values).where("id", "=", id).execute();
  return id;
}

describe(`supporters on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("names only donors who chose to be named, newest first, and drops uncounted gifts", async () => {
    const org = await createOrganiser(db());
    const need = await createTestNeed(db(), org.organisationId);
    const fridge = await db().selectFrom("items").where("need_id", "=", need.id).where("position", "=", 0).select("id").executeTakeFirstOrThrow();
    await give(need.id, 3_000, { donor_name: "Aiko", show_name: true, message: "For the shelter", succeeded_at: "2026-11-01T10:00:00Z" });
    await give(need.id, 5_000, { donor_name: "Private Person", show_name: false, succeeded_at: "2026-11-02T10:00:00Z", item_id: fridge.id });
    await give(need.id, 1_000, { donor_name: "Pending Pat", show_name: true, status: "pending" });
    await give(need.id, 2_000, { donor_name: "Refunded Rin", show_name: true, refunded_amount: 2_000, succeeded_at: "2026-11-03T10:00:00Z" });
    await give(need.id, 2_000, { donor_name: "Disputed Dan", show_name: true, disputed_amount: 2_000, dispute_status: "needs_response", succeeded_at: "2026-11-04T10:00:00Z" });

    const supporters = await listSupporters(db(), need.id);
    expect(supporters).toEqual([
      { name: null, message: "", itemName: "Refrigerator", date: "2026-11-02" },
      { name: "Aiko", message: "For the shelter", itemName: null, date: "2026-11-01" },
    ]);
    // The anonymous donor's name appears nowhere in what the public page receives.
    expect(JSON.stringify(supporters)).not.toContain("Private Person");
  });
});
