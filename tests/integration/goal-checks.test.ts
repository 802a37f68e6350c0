import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { sql, type KyselyPlugin, type QueryId } from "kysely";
import type { Logger } from "pino";
import type { Database } from "~/db.server";
import { CHECK_GAP_MS, checkGoalAfterCommit, goalChecksSettled, settleCrossedGoals, startGoalSweep } from "~/payments/goal-checks.server";
import { processStripeEvent, receiveStripeWebhook, type ReceiveOptions } from "~/payments/webhook.server";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { createOrganiser, createTestNeed, type Organiser } from "../support/needs";
import { checkoutSession, connectOrganisation, createPendingDonation, signed, stripeEvent, stripeTestContext } from "../support/stripe-events";

/**
 * app/payments/goal-checks.server.ts: the goal is checked after the change that moved a need's
 * total has committed, checks of one need are coalesced, and a sweep settles any live need
 * whose check was lost (the process died between the commit and the check, or the check failed).
 *
 * The tests share one database; settleCrossedGoals looks at every live need in it, so each test
 * leaves no live need past its goal behind.
 */

const APP_URL = "http://localhost:3000";
let database: TestDatabase;
let owner: Organiser;
let colleague: Organiser;
let accountId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  owner = await createOrganiser(database.db, { orgName: "Goal check group" });
  // A second member: the goal-met fan-out tells every organiser, not only the owner.
  colleague = await createOrganiser(database.db, { organisationId: owner.organisationId, role: "organiser" });
  accountId = await connectOrganisation(database.db, owner.organisationId);
});
afterAll(async () => {
  await database?.destroy();
});

const db = (): Database => database.db;

/** A live need with one item costing `goal` (so its goal is exactly that). */
async function newNeed(goal: number, options: { publish?: boolean } = {}) {
  return createTestNeed(db(), owner.organisationId, { publish: options.publish, items: [{ name: "Everything", description: "", quantity: 1, unitCost: goal }] });
}

interface Gift {
  amount: number;
  email?: string;
  feeCover?: number;
  refunded?: number;
  /** Leave it pending: not counted. */
  pending?: boolean;
}

let gifts = 0;
/**
 * Donations written directly, counted the way the ledger counts them (status succeeded,
 * succeeded_at), without any goal check: what a crash right after an event's commit leaves.
 */
async function give(needId: number, list: Gift[]): Promise<number[]> {
  const ids: number[] = [];
  for (const gift of list) {
    const d = await createPendingDonation(db(), {
      needId,
      amount: gift.amount,
      feeCover: gift.feeCover ?? 0,
      accountId,
      email: gift.email ?? `giver-${needId}-${++gifts}@example.org`,
    });
    if (!gift.pending) {
      await db()
        .updateTable("donations")
        .set({ status: "succeeded", succeeded_at: new Date(), refunded_amount: gift.refunded ?? 0 })
        .where("id", "=", d.id)
        .execute();
    }
    ids.push(d.id);
  }
  return ids;
}

const needRow = (id: number) => db().selectFrom("needs").where("id", "=", id).select(["status", "funded_at", "updated_at"]).executeTakeFirstOrThrow();
const goalMetMails = (needId: number) =>
  db()
    .selectFrom("outbox_emails")
    .where("kind", "=", "goal-met")
    .where("idempotency_key", "like", `goal-met:${needId}:%`)
    .select(["recipient", "idempotency_key", "props", "transactional"])
    .orderBy("id")
    .execute();
const notifications = (needId: number) => db().selectFrom("goal_met_notifications").where("need_id", "=", needId).select("email").execute();
const userEmail = async (userId: number) => (await db().selectFrom("users").where("id", "=", userId).select("email").executeTakeFirstOrThrow()).email.toLowerCase();

/** Stores an event row, as the ledger would have, so a check can add its note to it. */
async function storedEvent(id: string) {
  await db()
    .insertInto("stripe_events")
    .values({ id, type: "checkout.session.completed", account_id: accountId, livemode: false, created: 1, outcome: "processed", detail: "succeeded" })
    .execute();
}
const eventDetail = async (id: string) => (await db().selectFrom("stripe_events").where("id", "=", id).select("detail").executeTakeFirstOrThrow()).detail;

/** A pino-shaped logger whose calls the test can read. */
function spyLogger() {
  const calls = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn() };
  return { calls, logger: calls as unknown as Logger };
}

/**
 * Watches, through a Kysely plugin, the statement every goal check starts with (goalStanding:
 * the need's status, raised and goal). It records when each such statement was issued and can
 * hold back the next one's result: the statement has run (its snapshot is taken) but the check
 * cannot go on until released. Kysely hands results to plugins after it has released the
 * connection, so holding one blocks nobody else, on PGlite too.
 */
function watchStandings() {
  const issuedAt = new WeakMap<QueryId, number>();
  const standings: Array<{ issuedAt: number; raised: number; goal: number }> = [];
  let hold: { reached: () => void; released: Promise<void> } | undefined;
  const plugin: KyselyPlugin = {
    transformQuery(args) {
      issuedAt.set(args.queryId, Date.now());
      return args.node;
    },
    async transformResult(args) {
      const row = args.result.rows[0];
      if (row && "status" in row && "raised" in row && "goal" in row) {
        standings.push({ issuedAt: issuedAt.get(args.queryId) ?? Number.NaN, raised: Number(row.raised), goal: Number(row.goal) });
        const held = hold;
        hold = undefined;
        if (held) {
          held.reached();
          await held.released;
        }
      }
      return args.result;
    },
  };
  return {
    db: db().withPlugin(plugin),
    standings,
    /** Holds the next standing's result; `reached` resolves once its statement has run. */
    holdNext() {
      let reached!: () => void;
      let release!: () => void;
      const reachedP = new Promise<void>((r) => (reached = r));
      const released = new Promise<void>((r) => (release = r));
      hold = { reached, released };
      return { reached: reachedP, release };
    },
  };
}

// ---- The sweep ------------------------------------------------------------------------------

describe("settleCrossedGoals (the sweep)", () => {
  it("funds a live need whose counted total reached its goal unnoticed, tells each address once, and does it once", async () => {
    // ¥30,000 goal, counted exactly: 6,000 + (25,000 − 5,000 refunded) + 4,000; the pending gift and the
    // fee cover do not count. Aiko gave twice, in two spellings of her address; a gift refunded
    // in full makes nobody a backer.
    const crossed = await newNeed(30_000);
    await give(crossed.id, [
      { amount: 6_000, email: "Aiko@Example.org", feeCover: 400 },
      { amount: 25_000, email: "ken@example.org", refunded: 5_000 },
      { amount: 4_000, email: "aiko@example.org" },
      { amount: 1_000, email: "waiting@example.org", pending: true },
      { amount: 2_000, email: "refunded@example.org", refunded: 2_000 },
    ]);

    // One yen short once the fee cover and the pending gift are left out.
    const below = await newNeed(30_000);
    await give(below.id, [{ amount: 29_999, feeCover: 5_000 }, { amount: 10_000, pending: true }]);

    // Past its goal but not live: a draft, an already funded need whose backers were never told
    // (so a sweep that touched it would show), a cancelled one.
    const draft = await newNeed(1_000, { publish: false });
    await give(draft.id, [{ amount: 5_000 }]);
    const funded = await newNeed(1_000);
    const longAgo = new Date("2020-01-02T03:04:05Z");
    await db().updateTable("needs").set({ status: "funded", funded_at: longAgo }).where("id", "=", funded.id).execute();
    await give(funded.id, [{ amount: 5_000 }]);
    const cancelled = await newNeed(1_000);
    await db().updateTable("needs").set({ status: "cancelled" }).where("id", "=", cancelled.id).execute();
    await give(cancelled.id, [{ amount: 5_000 }]);

    // A live need without a goal (no items left): money in, but nothing to reach.
    const noGoal = await newNeed(1_000);
    await db().deleteFrom("items").where("need_id", "=", noGoal.id).execute();
    await give(noGoal.id, [{ amount: 5_000 }]);
    const untouched = [below, draft, funded, cancelled, noGoal];
    const before = new Map(await Promise.all(untouched.map(async (n) => [n.id, await needRow(n.id)] as const)));

    expect(await settleCrossedGoals(db(), APP_URL)).toBe(1);

    const row = await needRow(crossed.id);
    expect(row.status).toBe("funded");
    expect(row.funded_at).toBeInstanceOf(Date);
    const organisers = [await userEmail(owner.userId), await userEmail(colleague.userId)];
    const mails = await goalMetMails(crossed.id);
    expect(mails.map((m) => m.recipient.toLowerCase()).sort()).toEqual([...organisers, "aiko@example.org", "ken@example.org"].sort());
    for (const mail of mails) {
      expect(mail.idempotency_key).toBe(`goal-met:${crossed.id}:${mail.recipient.toLowerCase()}`);
      expect(mail.transactional).toBe(true);
      expect(mail.props).toMatchObject({ raised: 30_000, goal: 30_000, needUrl: expect.stringContaining(APP_URL) });
    }
    expect(mails.find((m) => m.recipient.toLowerCase() === "ken@example.org")!.props).toMatchObject({ audience: "backer" });
    expect(mails.find((m) => m.recipient.toLowerCase() === organisers[1])!.props).toMatchObject({ audience: "organiser" });
    expect(await notifications(crossed.id)).toHaveLength(4);

    for (const need of untouched) {
      expect(await needRow(need.id)).toEqual(before.get(need.id));
      expect(await goalMetMails(need.id)).toEqual([]);
      expect(await notifications(need.id)).toEqual([]);
    }
    expect((await needRow(funded.id)).funded_at).toEqual(longAgo);

    // Nothing left to settle: a second sweep funds nothing and queues nothing.
    const fundedAt = row.funded_at;
    expect(await settleCrossedGoals(db(), APP_URL)).toBe(0);
    expect((await needRow(crossed.id)).funded_at).toEqual(fundedAt);
    expect(await goalMetMails(crossed.id)).toHaveLength(4);
  });

  it("funds every crossed need in one pass and counts them", async () => {
    const needs = [await newNeed(2_000), await newNeed(3_000), await newNeed(4_000)];
    for (const need of needs) await give(need.id, [{ amount: 5_000 }]);

    expect(await settleCrossedGoals(db(), APP_URL)).toBe(3);
    for (const need of needs) {
      expect((await needRow(need.id)).status).toBe("funded");
      // The giver and the two organisers.
      expect(await goalMetMails(need.id)).toHaveLength(3);
    }
    expect(await settleCrossedGoals(db(), APP_URL)).toBe(0);
  });
});

describe("startGoalSweep", () => {
  // Sweeps count what they fund: start with no crossed live need, whatever a failed test left.
  beforeEach(async () => {
    await settleCrossedGoals(db(), APP_URL);
  });

  it("sweeps once at start and, with intervalMs 0, sets no timer", async () => {
    const need = await newNeed(8_000);
    await give(need.id, [{ amount: 8_000 }]);
    const { calls, logger } = spyLogger();
    const setIntervalSpy = vi.spyOn(globalThis, "setInterval");
    try {
      const sweep = startGoalSweep({ db: db(), appUrl: APP_URL, intervalMs: 0, logger });
      await sweep.stop();
      // Nothing would run it again: no interval was asked for, so none may keep the process alive.
      expect(setIntervalSpy).not.toHaveBeenCalled();
    } finally {
      setIntervalSpy.mockRestore();
    }

    expect((await needRow(need.id)).status).toBe("funded");
    expect(await goalMetMails(need.id)).toHaveLength(3);
    // A sweep that funds something is worth a warning: a check after commit was lost.
    expect(calls.warn).toHaveBeenCalledTimes(1);
    expect(calls.warn).toHaveBeenCalledWith({ funded: 1 }, expect.any(String));
    expect(calls.error).not.toHaveBeenCalled();
  });

  it("says nothing when there was nothing to settle", async () => {
    const { calls, logger } = spyLogger();
    await startGoalSweep({ db: db(), appUrl: APP_URL, intervalMs: 0, logger }).stop();
    expect(calls.warn).not.toHaveBeenCalled();
    expect(calls.error).not.toHaveBeenCalled();
  });

  it("sweeps again every interval on an unref'd timer, and not after stop()", async () => {
    const INTERVAL = 25;
    const { calls, logger } = spyLogger();
    const setIntervalSpy = vi.spyOn(globalThis, "setInterval");
    const sweep = startGoalSweep({ db: db(), appUrl: APP_URL, intervalMs: INTERVAL, logger });
    const timers = setIntervalSpy.mock.calls.flatMap((args, i) => (args[1] === INTERVAL ? [setIntervalSpy.mock.results[i]!.value as NodeJS.Timeout] : []));
    setIntervalSpy.mockRestore();
    // Stopped whatever fails below, so it cannot sweep under the later tests.
    let stopped = false;
    try {
      expect(timers).toHaveLength(1);
      // unref'd: the sweep alone does not keep the process alive.
      expect(timers[0]!.hasRef()).toBe(false);

      // A need that crosses its goal after the start is found by a later run.
      const later = await newNeed(6_000);
      await give(later.id, [{ amount: 6_000 }]);
      await vi.waitFor(async () => expect((await needRow(later.id)).status).toBe("funded"), { timeout: 5_000, interval: 10 });
      await sweep.stop();
      stopped = true;
    } finally {
      if (!stopped) await sweep.stop();
    }

    // Stopped: a need crossing now stays live through many intervals…
    const afterStop = await newNeed(6_000);
    await give(afterStop.id, [{ amount: 6_000 }]);
    await new Promise((r) => setTimeout(r, INTERVAL * 6));
    expect((await needRow(afterStop.id)).status).toBe("live");
    expect(calls.error).not.toHaveBeenCalled();
    // …until someone settles it (which also leaves no crossed live need for the next tests).
    expect(await settleCrossedGoals(db(), APP_URL)).toBe(1);
  });

  describe("against a database that fails", () => {
    // A real failure, not a stub: a database with no tables rejects the sweep's query.
    let empty: TestDatabase;
    beforeAll(async () => {
      empty = await createTestDatabase({ migrate: false });
    });
    afterAll(async () => {
      await empty?.destroy();
    });

    it("logs a failed sweep instead of throwing, and stop() still resolves", async () => {
      const { calls, logger } = spyLogger();
      const sweep = startGoalSweep({ db: empty.db, appUrl: APP_URL, intervalMs: 0, logger });
      await expect(sweep.stop()).resolves.toBeUndefined();
      expect(calls.error).toHaveBeenCalledTimes(1);
      const [fields, message] = calls.error.mock.calls[0]!;
      expect(fields).toEqual({ err: expect.any(Error) });
      expect(String((fields as { err: Error }).err.message)).toMatch(/needs/);
      expect(message).toMatch(/goal sweep failed/);
      expect(calls.warn).not.toHaveBeenCalled();
    });

    it("keeps sweeping at its interval after a failure", async () => {
      const { calls, logger } = spyLogger();
      const sweep = startGoalSweep({ db: empty.db, appUrl: APP_URL, intervalMs: 10, logger });
      try {
        await vi.waitFor(() => expect(calls.error.mock.calls.length).toBeGreaterThanOrEqual(3), { timeout: 5_000, interval: 10 });
      } finally {
        await sweep.stop();
      }
    });
  });
});

// ---- Checks after commit ----------------------------------------------------------------------

describe("checkGoalAfterCommit", () => {
  it("reports the counted total and the goal of a need short of it, and funds nothing", async () => {
    const need = await newNeed(50_000);
    await give(need.id, [{ amount: 12_000, feeCover: 600 }, { amount: 9_000, refunded: 6_000 }, { amount: 20_000, pending: true }]);
    await storedEvent("evt_short");

    const checks = await Promise.all(Array.from({ length: 5 }, () => checkGoalAfterCommit(db(), need.id, APP_URL, "evt_short")));

    for (const check of checks) expect(check).toEqual({ raised: 15_000, goal: 50_000, funded: false, notified: 0, eventId: null });
    expect((await needRow(need.id)).status).toBe("live");
    expect(await eventDetail("evt_short")).toBe("succeeded");
    expect(await goalMetMails(need.id)).toEqual([]);
  });

  it("reports nothing for a need that does not exist", async () => {
    expect(await checkGoalAfterCommit(db(), 2_000_000_000, APP_URL, "evt_none")).toMatchObject({ raised: null, goal: null, funded: false, notified: 0, eventId: null });
  });

  it("funds a need once however many checks are asked for at once, and credits one event that asked", async () => {
    const need = await newNeed(20_000);
    await give(need.id, [{ amount: 15_000, email: "one@example.org" }, { amount: 5_000, email: "two@example.org" }]);
    const events = Array.from({ length: 12 }, (_, i) => `evt_burst_${need.id}_${i}`);
    for (const id of events) await storedEvent(id);

    const checks = await Promise.all(events.map((id) => checkGoalAfterCommit(db(), need.id, APP_URL, id)));

    // Here the first caller's check (running alone) funds it; the eleven others share the next
    // check, which finds the need funded already.
    const funding = checks.filter((c) => c.funded);
    expect(funding).toHaveLength(1);
    // Two backers and two organisers.
    expect(funding[0]).toMatchObject({ raised: 20_000, goal: 20_000, notified: 4 });
    expect(events).toContain(funding[0]!.eventId);
    expect(checks.filter((c) => !c.funded).every((c) => c.eventId === null)).toBe(true);
    // Only the credited event's outcome says so.
    for (const id of events) {
      expect(await eventDetail(id)).toBe(id === funding[0]!.eventId ? "succeeded; need funded, 4 goal-met emails queued" : "succeeded");
    }
    expect((await needRow(need.id)).status).toBe("funded");
    expect(await goalMetMails(need.id)).toHaveLength(4);

    // Once funded, a check changes nothing (the status is no longer live).
    expect(await checkGoalAfterCommit(db(), need.id, APP_URL, events[0])).toMatchObject({ funded: false, notified: 0, eventId: null });
    expect(await goalMetMails(need.id)).toHaveLength(4);
  });

  it("credits no event when none is given", async () => {
    const need = await newNeed(3_000);
    await give(need.id, [{ amount: 3_000 }]);
    expect(await checkGoalAfterCommit(db(), need.id, APP_URL)).toEqual({ raised: 3_000, goal: 3_000, funded: true, notified: 3, eventId: null });
    expect((await needRow(need.id)).status).toBe("funded");
  });

  it("runs a burst of checks of one need as two: the one running and one shared next, at least CHECK_GAP_MS later", async () => {
    const need = await newNeed(90_000);
    await give(need.id, [{ amount: 1_000 }, { amount: 2_000 }]);
    const watch = watchStandings();

    const checks = await Promise.all(Array.from({ length: 10 }, () => checkGoalAfterCommit(watch.db, need.id, APP_URL)));

    expect(checks.every((c) => c.raised === 3_000 && c.goal === 90_000 && !c.funded)).toBe(true);
    expect(watch.standings).toHaveLength(2);
    // Date.now() has millisecond resolution and Node's timers may round: allow 1 ms either way.
    expect(watch.standings[1]!.issuedAt - watch.standings[0]!.issuedAt).toBeGreaterThanOrEqual(CHECK_GAP_MS - 1);

  });

  it("keeps checks of different needs apart", async () => {
    const [a, b] = [await newNeed(4_000), await newNeed(4_000)];
    await give(a.id, [{ amount: 4_000 }]);
    await give(b.id, [{ amount: 1_000 }]);
    const [ca, cb] = await Promise.all([checkGoalAfterCommit(db(), a.id, APP_URL), checkGoalAfterCommit(db(), b.id, APP_URL)]);
    expect(ca).toMatchObject({ funded: true, raised: 4_000 });
    expect(cb).toMatchObject({ funded: false, raised: 1_000, goal: 4_000 });
  });

  it("makes a caller who asks while a check is running wait for a check that sees the caller's commit", async () => {
    const need = await newNeed(10_000);
    await give(need.id, [{ amount: 4_000 }]);
    const watch = watchStandings();

    // The first check reads the need (¥4,000 of ¥10,000) and is held there, still running.
    const held = watch.holdNext();
    const first = checkGoalAfterCommit(watch.db, need.id, APP_URL, "evt_before");
    await held.reached;
    // Meanwhile a donation that crosses the goal commits, and its check is asked for.
    await give(need.id, [{ amount: 6_000 }]);
    const second = checkGoalAfterCommit(watch.db, need.id, APP_URL, "evt_crossing");
    held.release();

    const [a, b] = await Promise.all([first, second]);
    // The first check's reading predates the commit; handing its result to the second caller
    // would lose the crossing until the next event or sweep.
    expect(a).toMatchObject({ raised: 4_000, goal: 10_000, funded: false });
    expect(b).toMatchObject({ raised: 10_000, goal: 10_000, funded: true, eventId: "evt_crossing" });
    expect((await needRow(need.id)).status).toBe("funded");
    expect(watch.standings.map((s) => s.raised)).toEqual([4_000, 10_000]);
  });
});

// PGlite is one connection: nothing there runs at the same time. A pool can.
describe.skipIf(!onPostgres)("checkGoalAfterCommit on PostgreSQL, with donations committing concurrently", () => {
  it("funds the need exactly once when 20 donations commit and ask for a check at the same time", async () => {
    const need = await newNeed(100_000);
    // Each flow: commit a counted donation (its own connection), then ask for the goal check,
    // as processStripeEvent does after its transaction.
    const flows = Array.from({ length: 20 }, (_, i) => async () => {
      await give(need.id, [{ amount: 5_000, email: `crowd-${i}@example.org` }]);
      return checkGoalAfterCommit(db(), need.id, APP_URL, `evt_crowd_${need.id}_${i}`);
    });

    const checks = await Promise.all(flows.map((flow) => flow()));

    // Callers that shared the funding check all get its result (funded: true), but it is one
    // check, crediting one of their events.
    const funding = checks.filter((c) => c.funded);
    expect(new Set(funding).size).toBe(1);
    expect(new Set(funding.map((c) => c.eventId)).size).toBe(1);
    expect(funding[0]!.eventId).toMatch(new RegExp(`^evt_crowd_${need.id}_\\d+$`));
    expect((await needRow(need.id)).status).toBe("funded");
    const mails = await goalMetMails(need.id);
    const recipients = mails.map((m) => m.recipient.toLowerCase());
    expect(new Set(recipients).size).toBe(recipients.length);
    // Whoever settled it saw the whole ¥100,000: the goal is only met by the last commit.
    expect(checks.find((c) => c.funded)).toMatchObject({ raised: 100_000, goal: 100_000 });
    expect(recipients).toHaveLength(22);
  });

  it("sees a donation committed on another connection while a check was running", async () => {
    const need = await newNeed(10_000);
    await give(need.id, [{ amount: 9_000 }]);
    // Checks keep running back to back while the crossing donation commits on another connection;
    // the check asked for after that commit must see it whichever check it shares.
    const background = Array.from({ length: 5 }, () => checkGoalAfterCommit(db(), need.id, APP_URL));
    await give(need.id, [{ amount: 1_000 }]);
    const after = checkGoalAfterCommit(db(), need.id, APP_URL, "evt_after_commit");

    const results = await Promise.all([...background, after]);
    expect((await needRow(need.id)).status).toBe("funded");
    // One check funded it (callers that shared it all hold its result).
    expect(new Set(results.filter((r) => r.funded)).size).toBe(1);
    // Whether it funded the need or found it funded, the check it got counted the ¥1,000.
    expect((await after).raised).toBe(10_000);
  });
});

// ---- The webhook, when its check fails ------------------------------------------------------------

describe("processStripeEvent when the goal check after its commit fails", () => {
  beforeEach(async () => {
    await settleCrossedGoals(db(), APP_URL);
  });

  /**
   * Makes settling one need's goal fail inside the database (a trigger refusing the funded
   * status), the way a lost connection or a timeout would: the event's own transaction has
   * already committed by then.
   */
  async function refuseFunding(needId: number) {
    await sql`CREATE OR REPLACE FUNCTION test_refuse_funding() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.id = ${sql.lit(needId)} AND NEW.status = 'funded' THEN RAISE EXCEPTION 'funding refused by the test'; END IF;
        RETURN NEW;
      END $$`.execute(db());
    await sql`CREATE TRIGGER test_refuse_funding BEFORE UPDATE ON needs FOR EACH ROW EXECUTE FUNCTION test_refuse_funding()`.execute(db());
    return async () => {
      await sql`DROP TRIGGER IF EXISTS test_refuse_funding ON needs`.execute(db());
      await sql`DROP FUNCTION IF EXISTS test_refuse_funding()`.execute(db());
    };
  }

  const completed = (d: Awaited<ReturnType<typeof createPendingDonation>>) =>
    stripeEvent("checkout.session.completed", checkoutSession(d), { account: d.accountId });

  it("keeps the event counted, reports the failure, and leaves the need for the sweep", async () => {
    const need = await newNeed(7_000);
    const d = await createPendingDonation(db(), { needId: need.id, amount: 7_000, accountId, email: "late@example.org" });
    const allow = await refuseFunding(need.id);
    let result: Awaited<ReturnType<typeof processStripeEvent>>;
    try {
      result = await processStripeEvent(db(), stripeTestContext(db()).env, completed(d));
    } finally {
      await allow();
    }

    expect(result).toMatchObject({ outcome: "processed", donationId: d.id });
    expect(result.detail).not.toContain("need funded");
    expect(String(result.goalCheckError)).toContain("funding refused by the test");
    // The event's own transaction committed: the donation counts, its receipt is queued…
    expect((await db().selectFrom("donations").where("id", "=", d.id).select("status").executeTakeFirstOrThrow()).status).toBe("succeeded");
    expect(await db().selectFrom("outbox_emails").where("idempotency_key", "=", `receipt:${d.id}`).select("id").execute()).toHaveLength(1);
    // …while the goal's transaction rolled back entirely.
    expect((await needRow(need.id)).status).toBe("live");
    expect(await notifications(need.id)).toEqual([]);
    expect(await goalMetMails(need.id)).toEqual([]);

    // The sweep settles what the failed check could not.
    expect(await settleCrossedGoals(db(), APP_URL)).toBe(1);
    expect((await needRow(need.id)).status).toBe("funded");
    expect((await goalMetMails(need.id)).map((m) => m.recipient.toLowerCase())).toContain("late@example.org");
  });

  /**
   * A need and the completion that reaches its goal, given to receiveStripeWebhook with a spy
   * logger; with `refused`, settling the goal fails until the goal check has ended.
   */
  async function deliverCrossing({ refused = false, ...options }: ReceiveOptions & { refused?: boolean } = {}) {
    const need = await newNeed(7_000);
    const d = await createPendingDonation(db(), { needId: need.id, amount: 7_000, accountId });
    const event = completed(d);
    const { payload, header } = signed(event);
    const { calls, logger } = spyLogger();
    const allow = refused ? await refuseFunding(need.id) : undefined;
    try {
      const response = await receiveStripeWebhook({ ...stripeTestContext(db()), logger }, payload, header, options);
      // Answered before the check, it may still be running.
      await goalChecksSettled(db());
      return { need, donation: d, event, response, calls };
    } finally {
      await allow?.();
    }
  }

  it("still answers Stripe 200 (a retry would only be a duplicate) and logs the failure", async () => {
    const { event, response, calls } = await deliverCrossing({ refused: true });
    expect(response).toEqual({ status: 200, body: "processed" });
    expect(calls.error).toHaveBeenCalledWith({ eventId: event.id, err: expect.any(Error) }, expect.stringMatching(/goal check/));
    expect(await settleCrossedGoals(db(), APP_URL)).toBe(1);
  });

  it("answering before the check (the HTTP endpoint), logs the check's failure when it ends", async () => {
    const { need, event, response, calls } = await deliverCrossing({ refused: true, answerBeforeGoalCheck: true });
    expect(response).toEqual({ status: 200, body: "processed" });
    expect(calls.error).toHaveBeenCalledWith({ eventId: event.id, err: expect.any(Error) }, expect.stringMatching(/goal check/));
    expect((await needRow(need.id)).status).toBe("live");
    expect(await settleCrossedGoals(db(), APP_URL)).toBe(1);
  });

  it("answering before the check, logs the need funded by it", async () => {
    const { need, donation, event, response, calls } = await deliverCrossing({ answerBeforeGoalCheck: true });
    expect(response).toEqual({ status: 200, body: "processed" });
    expect((await needRow(need.id)).status).toBe("funded");
    expect(calls.info).toHaveBeenCalledWith({ eventId: event.id, donationId: donation.id }, expect.stringMatching(/^need funded, \d+ goal-met emails queued$/));
    expect(calls.error).not.toHaveBeenCalled();
  });
});
