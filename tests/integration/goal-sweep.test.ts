import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Logger } from "pino";
import type { Database } from "~/db.server";
import { checkGoalAfterCommit, settleCrossedGoals, startGoalSweep } from "~/payments/goal-checks.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { createOrganiser, createTestNeed, type Organiser } from "../support/needs";
import { connectOrganisation, createPendingDonation } from "../support/stripe-events";

/**
 * The goal is checked after the event commits (app/payments/goal-checks.server.ts). These tests
 * cover what the webhook tests do not: a check lost between the commit and the check (the
 * process died), which the sweep must settle, and the coalescing of checks of one need.
 */

const APP_URL = "http://localhost:3000";
let database: TestDatabase;
let owner: Organiser;
let accountId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  owner = await createOrganiser(database.db, { orgName: "Sweep test group" });
  accountId = await connectOrganisation(database.db, owner.organisationId);
});
afterAll(async () => {
  await database?.destroy();
});

const db = (): Database => database.db;

async function newNeed(goal: number) {
  return createTestNeed(db(), owner.organisationId, { items: [{ name: "Everything", description: "", quantity: 1, unitCost: goal }] });
}

/**
 * Donations counted the way the ledger counts them, written directly: what a crash right after
 * the event's commit (and before its goal check) leaves behind.
 */
async function countedDonations(needId: number, amounts: number[], emailPrefix = "backer") {
  for (const [i, amount] of amounts.entries()) {
    const d = await createPendingDonation(db(), { needId, amount, accountId, email: `${emailPrefix}-${needId}-${i}@example.org` });
    await db().updateTable("donations").set({ status: "succeeded", succeeded_at: new Date() }).where("id", "=", d.id).execute();
  }
}

const needRow = (id: number) => db().selectFrom("needs").where("id", "=", id).select(["status", "funded_at"]).executeTakeFirstOrThrow();
const goalMetMails = (needId: number) =>
  db().selectFrom("outbox_emails").where("kind", "=", "goal-met").where("idempotency_key", "like", `goal-met:${needId}:%`).select(["recipient", "idempotency_key"]).execute();

function spyLogger() {
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  return { logger, asLogger: logger as unknown as Logger };
}

describe("the goal sweep", () => {
  it("funds a live need whose counted total reached its goal unnoticed, once, and tells each address once", async () => {
    const crossed = await newNeed(30_000);
    await countedDonations(crossed.id, [10_000, 20_000]);
    const below = await newNeed(30_000);
    await countedDonations(below.id, [29_999]);
    const draft = await createTestNeed(db(), owner.organisationId, { publish: false, items: [{ name: "Everything", description: "", quantity: 1, unitCost: 1_000 }] });
    await countedDonations(draft.id, [5_000]);

    expect(await settleCrossedGoals(db(), APP_URL)).toBe(1);

    expect(await needRow(crossed.id)).toMatchObject({ status: "funded", funded_at: expect.any(Date) });
    expect((await needRow(below.id)).status).toBe("live");
    expect((await needRow(draft.id)).status).toBe("draft");
    const mails = await goalMetMails(crossed.id);
    const organiserEmail = (await db().selectFrom("users").where("id", "=", owner.userId).select("email").executeTakeFirstOrThrow()).email;
    expect(mails.map((m) => m.recipient.toLowerCase()).sort()).toEqual(
      [organiserEmail.toLowerCase(), `backer-${crossed.id}-0@example.org`, `backer-${crossed.id}-1@example.org`].sort(),
    );
    expect(await goalMetMails(below.id)).toEqual([]);

    // Nothing left to settle: a second sweep changes and sends nothing.
    expect(await settleCrossedGoals(db(), APP_URL)).toBe(0);
    expect(await goalMetMails(crossed.id)).toHaveLength(3);
  });

  it("runs once at start, says so when it funded a need, and stops cleanly", async () => {
    const need = await newNeed(8_000);
    await countedDonations(need.id, [8_000], "start");
    const { logger, asLogger } = spyLogger();

    const sweep = startGoalSweep({ db: db(), appUrl: APP_URL, intervalMs: 0, logger: asLogger });
    await sweep.stop();

    expect((await needRow(need.id)).status).toBe("funded");
    expect(logger.warn).toHaveBeenCalledWith({ funded: 1 }, expect.stringContaining("goal sweep funded"));
    expect(logger.error).not.toHaveBeenCalled();
  });

  it("logs a failed sweep instead of throwing", async () => {
    const { logger, asLogger } = spyLogger();
    const broken = {
      selectFrom: () => {
        throw new Error("database is restarting");
      },
    } as unknown as Database;

    const sweep = startGoalSweep({ db: broken, appUrl: APP_URL, intervalMs: 0, logger: asLogger });
    await sweep.stop();

    expect(logger.error).toHaveBeenCalledWith({ err: expect.any(Error) }, expect.stringContaining("goal sweep failed"));
  });
});

describe("goal checks after commit", () => {
  it("reports raised and goal for a need short of its goal, and funds nothing", async () => {
    const need = await newNeed(50_000);
    await countedDonations(need.id, [12_000, 3_000], "short");

    expect(await checkGoalAfterCommit(db(), need.id, APP_URL, "evt_short")).toEqual({
      raised: 15_000,
      goal: 50_000,
      funded: false,
      notified: 0,
      eventId: null,
    });
    expect((await needRow(need.id)).status).toBe("live");
  });

  it("funds a need once however many checks are asked for at once, crediting the event that asked first", async () => {
    const need = await newNeed(20_000);
    await countedDonations(need.id, [20_000], "many");
    const events = Array.from({ length: 10 }, (_, i) => `evt_many_${i}`);
    // Events stored by the ledger, so the credited one can carry the note.
    for (const id of events) {
      await db().insertInto("stripe_events").values({ id, type: "checkout.session.completed", account_id: accountId, livemode: false, created: 1, outcome: "processed", detail: "succeeded" }).execute();
    }

    const checks = await Promise.all(events.map((id) => checkGoalAfterCommit(db(), need.id, APP_URL, id)));

    expect(checks.filter((c) => c.funded)).toHaveLength(1);
    expect(checks.find((c) => c.funded)).toMatchObject({ eventId: "evt_many_0", raised: 20_000, goal: 20_000, notified: 2 });
    const noted = await db().selectFrom("stripe_events").where("id", "in", events).where("detail", "like", "%need funded%").select(["id", "detail"]).execute();
    expect(noted).toEqual([{ id: "evt_many_0", detail: "succeeded; need funded, 2 goal-met emails queued" }]);
    expect(await goalMetMails(need.id)).toHaveLength(2);
  });

  it("makes a caller who asks while a check is running wait for a check that sees its commit", async () => {
    const need = await newNeed(10_000);
    // A check starts while the need is short…
    const first = checkGoalAfterCommit(db(), need.id, APP_URL);
    // …then a donation that crosses the goal commits, and its check is asked for.
    await countedDonations(need.id, [10_000], "late");
    const second = checkGoalAfterCommit(db(), need.id, APP_URL);

    const [a, b] = await Promise.all([first, second]);
    // Whichever check saw the donation funded the need; the second always could.
    expect([a.funded, b.funded].filter(Boolean)).toHaveLength(1);
    expect(b.funded || a.funded).toBe(true);
    expect((await needRow(need.id)).status).toBe("funded");
  });
});
