import type Stripe from "stripe";
import type { Database } from "~/db.server";
import type { Env } from "~/env.server";
import { listConnectedAccounts, pendingSessionIds } from "~/models/donation-reports.server";
import { requireStripeClient, STRIPE_API_VERSION } from "./stripe.server";
import { HANDLED_EVENT_TYPES, processStripeEvent } from "./webhook.server";

/**
 * `npm run stripe:reconcile`: asks Stripe what happened recently and feeds it through the
 * webhook's own processing, so a missed or failed delivery is repaired by the same code that
 * handles live events. Safe to run any time and any number of times: an event id already
 * recorded changes nothing, and the synthetic events for stale Checkout Sessions have fixed
 * ids, so they too are recorded once.
 */

export const RECONCILE_MAX_DAYS = 30;

export interface ReconcileCounts {
  /** Events and Checkout Sessions looked at. */
  examined: number;
  /** Events that changed something here for the first time. */
  processed: number;
  /** Events already recorded (delivered by the webhook, or reconciled before). */
  duplicates: number;
  /** New events the handler does not act on. */
  ignored: number;
  /** Events set aside for review (amount or currency mismatch). */
  parked: number;
  /** Pending donations completed or expired from their Checkout Session. */
  repaired: number;
  /** Events whose processing threw, or a scope Stripe refused to list. */
  failed: number;
}

export interface ReconcileScopeReport extends ReconcileCounts {
  /** "platform" or the organisation's slug. */
  scope: string;
  accountId: string | null;
  errors: string[];
}

export interface ReconcileReport {
  days: number;
  /** Unix seconds: events and sessions created at or after this are examined. */
  since: number;
  scopes: ReconcileScopeReport[];
  totals: ReconcileCounts;
}

export interface ReconcileOptions {
  days: number;
  now?: Date;
}

const COUNT_KEYS = ["examined", "processed", "duplicates", "ignored", "parked", "repaired", "failed"] as const satisfies readonly (keyof ReconcileCounts)[];

function zeroCounts(): ReconcileCounts {
  return { examined: 0, processed: 0, duplicates: 0, ignored: 0, parked: 0, repaired: 0, failed: 0 };
}

export async function reconcileStripe(db: Database, env: Env, options: ReconcileOptions): Promise<ReconcileReport> {
  const stripe = requireStripeClient(env);
  const now = options.now ?? new Date();
  const since = Math.floor(now.getTime() / 1000) - options.days * 86_400;
  const scopes: Array<{ scope: string; accountId: string | null }> = [
    { scope: "platform", accountId: null },
    ...(await listConnectedAccounts(db)).map((account) => ({ scope: account.slug, accountId: account.accountId })),
  ];
  const reports: ReconcileScopeReport[] = [];
  for (const { scope, accountId } of scopes) {
    const report: ReconcileScopeReport = { scope, accountId, errors: [], ...zeroCounts() };
    try {
      await reconcileEvents(db, env, stripe, accountId, since, report);
      await reconcileSessions(db, env, stripe, accountId, since, now, report);
    } catch (error) {
      // One account Stripe will not list (disconnected, key without access) must not stop the rest.
      report.failed += 1;
      report.errors.push(`listing failed: ${describe(error)}`);
    }
    reports.push(report);
  }
  const totals = zeroCounts();
  for (const report of reports) for (const key of COUNT_KEYS) totals[key] += report[key];
  return { days: options.days, since, scopes: reports, totals };
}

function requestOptions(accountId: string | null): Stripe.RequestOptions {
  return accountId ? { stripeAccount: accountId } : {};
}

/** Stripe accepts at most 20 types per events.list call. */
function typeChunks(): string[][] {
  const types: string[] = [...HANDLED_EVENT_TYPES];
  const chunks: string[][] = [];
  for (let i = 0; i < types.length; i += 20) chunks.push(types.slice(i, i + 20));
  return chunks;
}

async function reconcileEvents(db: Database, env: Env, stripe: Stripe, accountId: string | null, since: number, report: ReconcileScopeReport) {
  const events: Stripe.Event[] = [];
  for (const types of typeChunks()) {
    for await (const event of stripe.events.list({ created: { gte: since }, types, limit: 100 }, requestOptions(accountId))) {
      events.push(event);
    }
  }
  // Stripe lists newest first; oldest first replays them in the order they happened.
  events.sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
  for (const listed of events) {
    // Events listed for a connected account may not name it; the webhook's copy always does.
    const event = accountId && !listed.account ? ({ ...listed, account: accountId } as Stripe.Event) : listed;
    report.examined += 1;
    const outcome = await processOnce(db, env, event, report);
    if (outcome) report[outcome] += 1;
  }
}

type Outcome = "processed" | "duplicates" | "ignored" | "parked";

/** Feeds one event to the webhook's processing and says what became of it. */
async function processOnce(db: Database, env: Env, event: Stripe.Event, report: ReconcileScopeReport): Promise<Outcome | null> {
  try {
    const { outcome } = await processStripeEvent(db, env, event);
    return outcome === "duplicate" ? "duplicates" : outcome;
  } catch (error) {
    // Rolled back whole (one transaction per event): the next run tries it again.
    report.failed += 1;
    report.errors.push(`${event.id} (${event.type}): ${describe(error)}`);
    return null;
  }
}

/**
 * Checkout Sessions that finished while their donation is still pending here: the events
 * are past Stripe's 30-day retention, were never delivered, or failed every retry. A
 * synthetic event built from the session, with an id fixed by session and status, goes
 * through the same processing.
 */
async function reconcileSessions(
  db: Database,
  env: Env,
  stripe: Stripe,
  accountId: string | null,
  since: number,
  now: Date,
  report: ReconcileScopeReport,
) {
  const finished: Stripe.Checkout.Session[] = [];
  for await (const session of stripe.checkout.sessions.list({ created: { gte: since }, limit: 100 }, requestOptions(accountId))) {
    report.examined += 1;
    if (finalType(session)) finished.push(session);
  }
  const pending = await pendingSessionIds(
    db,
    finished.map((session) => session.id),
  );
  for (const session of finished) {
    if (!pending.has(session.id)) continue;
    const type = finalType(session)!;
    const event = {
      id: `reconcile_${session.id}_${session.status}`,
      object: "event",
      api_version: STRIPE_API_VERSION,
      created: Math.floor(now.getTime() / 1000),
      type,
      account: accountId ?? undefined,
      livemode: session.livemode,
      pending_webhooks: 0,
      request: { id: null, idempotency_key: null },
      data: { object: session },
    } as unknown as Stripe.Event;
    const outcome = await processOnce(db, env, event, report);
    if (outcome === "processed") report.repaired += 1;
    else if (outcome) report[outcome] += 1;
  }
}

/** The event a finished session stands for; null while it is open or awaits a delayed payment. */
function finalType(session: Stripe.Checkout.Session): "checkout.session.completed" | "checkout.session.expired" | null {
  if (session.status === "complete" && (session.payment_status === "paid" || session.payment_status === "no_payment_required")) {
    return "checkout.session.completed";
  }
  if (session.status === "expired") return "checkout.session.expired";
  return null;
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ").slice(0, 300);
}

/** The summary table the command prints. */
export function formatReconcileReport(report: ReconcileReport): string {
  const header = ["scope", ...COUNT_KEYS];
  const rows = [...report.scopes.map((s) => [s.accountId ? `${s.scope} (${s.accountId})` : s.scope, ...COUNT_KEYS.map((k) => String(s[k]))])];
  rows.push(["total", ...COUNT_KEYS.map((k) => String(report.totals[k]))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const lines = [
    `Stripe events and Checkout Sessions since ${new Date(report.since * 1000).toISOString()} (${report.days} day${report.days === 1 ? "" : "s"}):`,
    "",
    line(header),
    ...rows.map(line),
  ];
  const errors = report.scopes.flatMap((s) => s.errors.map((e) => `  ${s.scope}: ${e}`));
  if (errors.length > 0) lines.push("", "Errors (run again once fixed; nothing is counted twice):", ...errors);
  return lines.join("\n");
}
