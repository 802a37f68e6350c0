import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { Database } from "~/db.server";
import { addEventDetail, goalStanding, needsPastGoal, settleGoal, type GoalResult } from "~/models/payment-ledger.server";

/**
 * The goal, checked after the change that moved the total has committed (design.md,
 * "Concurrency trap": "re-check the goal after commit idempotently").
 *
 * Checking inside each event's transaction meant taking the need's lock and summing its
 * donations there, so every event about one need queued behind the others' sums: a popular
 * need was capped by that one lock. Now the event commits without touching the need, and then:
 *
 * - one unlocked statement (goalStanding) compares raised with the goal. Its snapshot begins
 *   after the caller's commit, so it counts that commit and every earlier one;
 * - only when it finds the goal met does a transaction take the need's lock and settle it
 *   (settleGoal: funded once, one goal-met email per address, both guarded by the database);
 * - checks of one need are coalesced in this process: while one runs, callers share a single
 *   next check that starts after it — after their commits, so it sees them — instead of each
 *   running their own; and that next check starts no sooner than CHECK_GAP_MS after the one
 *   before began. Summing a popular need's donations takes a millisecond or more, so without
 *   the gap a busy need was summed once per event; with it, at most 1000 / CHECK_GAP_MS times a
 *   second, at the price of that much delay on the check (the webhook endpoint answers Stripe
 *   without waiting for it; demo payments and reconcile wait).
 *
 * If the process dies between an event's commit and its check (or the check fails), nothing
 * would check that need again until its next event; the sweep (startGoalSweep: at start and
 * every GOAL_SWEEP_MS) settles any live need whose total has reached its goal.
 */

export interface GoalCheck extends GoalResult {
  /** The event credited with settling it (the first of the callers that shared the check). */
  eventId: string | null;
}

/** The least time between the starts of two checks of one need (see above). */
export const CHECK_GAP_MS = 20;

interface Slot {
  running: Promise<GoalCheck>;
  startedAt: number;
  /** The check that starts when `running` ends, shared by everyone who asked meanwhile. */
  queued?: Promise<GoalCheck>;
}

const NOT_FUNDED = { raised: null, goal: null, funded: false, notified: 0 } as const;
/** Per database handle (tests open several), per need. */
const slots = new WeakMap<Database, Map<number, Slot>>();

/**
 * Checks (and if met, settles) a need's goal after a change to its total has committed.
 * Resolves once a check that started after this call has finished.
 */
export function checkGoalAfterCommit(db: Database, needId: number, appUrl: string, eventId: string | null = null): Promise<GoalCheck> {
  let needs = slots.get(db);
  if (!needs) slots.set(db, (needs = new Map()));
  const slot = needs.get(needId);
  if (!slot) return start(needs, needId, () => checkGoal(db, needId, appUrl, eventId));
  // The running check may have taken its snapshot before the caller's commit: wait for the next.
  const next = () => sleep(Math.max(0, slot.startedAt + CHECK_GAP_MS - Date.now())).then(() => start(needs, needId, () => checkGoal(db, needId, appUrl, eventId)));
  slot.queued ??= slot.running.then(next, next);
  return slot.queued;
}

function start(needs: Map<number, Slot>, needId: number, run: () => Promise<GoalCheck>): Promise<GoalCheck> {
  const slot: Slot = { running: run(), startedAt: Date.now() };
  needs.set(needId, slot);
  const done = () => {
    // A queued check replaces this slot when it starts; with none queued, the need is idle.
    if (needs.get(needId) === slot && !slot.queued) needs.delete(needId);
  };
  slot.running.then(done, done);
  return slot.running;
}

async function checkGoal(db: Database, needId: number, appUrl: string, eventId: string | null): Promise<GoalCheck> {
  const standing = await goalStanding(db, needId);
  if (!standing || standing.status !== "live" || standing.goal <= 0 || standing.raised < standing.goal) {
    return { ...NOT_FUNDED, raised: standing?.raised ?? null, goal: standing?.goal ?? null, eventId: null };
  }
  return db.transaction().execute(async (trx) => {
    const goal = await settleGoal(trx, needId, appUrl);
    if (goal.funded && eventId) await addEventDetail(trx, eventId, `need funded, ${goal.notified} goal-met emails queued`);
    return { ...goal, eventId: goal.funded ? eventId : null };
  });
}

/**
 * Resolves once no check of any need is running or queued on this handle: what shutdown waits
 * for before closing the database (the webhook endpoint answers Stripe before its check ends).
 */
export async function goalChecksSettled(db: Database): Promise<void> {
  for (;;) {
    const needs = slots.get(db);
    if (!needs || needs.size === 0) return;
    // A check that ends may start the one queued behind it: look again until none is left.
    await Promise.allSettled([...needs.values()].flatMap((slot) => (slot.queued ? [slot.running, slot.queued] : [slot.running])));
  }
}

/** Settles every live need whose total has reached its goal; returns how many became funded. */
export async function settleCrossedGoals(db: Database, appUrl: string): Promise<number> {
  let funded = 0;
  for (const needId of await needsPastGoal(db)) {
    if ((await checkGoalAfterCommit(db, needId, appUrl)).funded) funded += 1;
  }
  return funded;
}

export interface GoalSweep {
  stop(): Promise<void>;
}

/**
 * Runs settleCrossedGoals now and every `intervalMs` (0: only now), one run at a time. The
 * safety net for a check lost to a crash or a failure; normally it finds nothing.
 */
export function startGoalSweep(options: { db: Database; appUrl: string; intervalMs: number; logger: Logger }): GoalSweep {
  const { db, appUrl, intervalMs, logger } = options;
  let running: Promise<void> | undefined;
  const sweep = () => {
    running ??= settleCrossedGoals(db, appUrl)
      .then((funded) => {
        if (funded > 0) logger.warn({ funded }, "goal sweep funded needs a check after commit had missed");
      })
      .catch((error: unknown) => logger.error({ err: error }, "goal sweep failed; it runs again at the next interval"))
      .finally(() => (running = undefined));
  };
  sweep();
  const timer = intervalMs > 0 ? setInterval(sweep, intervalMs) : undefined;
  timer?.unref();
  return {
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
