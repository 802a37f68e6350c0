import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { Database } from "~/db.server";
import type { Env } from "~/env.server";
import {
  claimNextUnit,
  markDead,
  markRetry,
  markSent,
  markSuppressed,
  prepareSend,
  releaseClaim,
  type ClaimedEmail,
  type ClaimedUnit,
  type RowClaim,
} from "~/models/outbox.server";
import { markDeparture, pauseSending, reserveSendSlot, sendIntervalMs } from "~/models/send-pacing.server";
import { suppressionsFor } from "~/models/suppressions.server";
import { maskEmail } from "~/server/logger.server";
import { createRenderCache, type RenderCache } from "./render-cache.server";
import { renderEmail as defaultRender, type RenderInput, type RenderedEmail } from "./render.server";
import type { EmailTransport, OutgoingEmail, SendOutcome } from "./transport.server";

/**
 * Drains the outbox. Any number of these, in any number of processes, may run against one
 * database: rows are claimed with FOR UPDATE SKIP LOCKED under a lease, every later write is
 * fenced by the claim, provider calls are paced through one shared row, and every call
 * carries an Idempotency-Key that is written down before the call, so a call repeated after
 * a crash is the same call and the provider delivers it once.
 *
 * One unit per claim (one email, or one batch group of up to 100): the worker never holds
 * rows it is not about to send, so pacing waits cannot outlast a lease.
 */

export type WorkerEnv = Pick<
  Env,
  "APP_URL" | "EMAIL_FROM" | "EMAIL_MAX_ATTEMPTS" | "EMAIL_RATE_PER_SECOND" | "EMAIL_LEASE_SECONDS" | "EMAIL_POLL_MS"
>;

export interface OutboxWorkerOptions {
  db: Database;
  env: WorkerEnv;
  logger: Logger;
  transport: EmailTransport;
  /** The clock for due times, leases and retries (tests move it); pacing uses the database's. */
  now?: () => Date;
  /** Rendering, replaceable in tests; the real templates by default. */
  render?: (input: RenderInput) => Promise<RenderedEmail>;
}

export interface DrainResult {
  /** Provider calls made. */
  calls: number;
  sent: number;
  retried: number;
  dead: number;
  suppressed: number;
}

export interface OutboxWorker {
  /** Sends everything due now, then returns what happened. */
  drainOnce(): Promise<DrainResult>;
  /** Drains every EMAIL_POLL_MS until stop(). */
  start(): void;
  /** Stops polling and waits for the drain in flight (unsent claims are given back). */
  stop(): Promise<void>;
}

const BACKOFF_BASE_MS = 5_000;
// Units that share one render cache (at most 100 distinct emails each).
const RENDER_CACHE_UNITS = 20;
const BACKOFF_CAP_MS = 30 * 60_000;
// A provider-wide slowdown holds every worker back at most this long per 429.
const MAX_GLOBAL_PAUSE_SECONDS = 60;

/** Exponential backoff with ±25% jitter, so failed rows do not all come back at once. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.75 + 0.5 * random()));
}

// NOTE: a CR or LF in a header value ends the header and starts another (header injection).
const LINE_BREAKS = /[\u0000-\u001f\u007f\u2028\u2029]+/g;
export const oneLine = (value: string) => value.replace(LINE_BREAKS, " ").trim();

export function createOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const { db, env, logger, transport } = options;
  const now = options.now ?? (() => new Date());
  const render = options.render ?? defaultRender;
  // EMAIL_RATE_PER_SECOND is the provider's limit: never more than that in any sliding second.
  const intervalMs = sendIntervalMs(env.EMAIL_RATE_PER_SECOND);
  const leaseMs = env.EMAIL_LEASE_SECONDS * 1000;
  const log = logger.child({ component: "outbox-worker", transport: transport.name });

  const stopping = new AbortController();
  const inFlight = new Set<Promise<unknown>>();
  let loop: Promise<void> | undefined;

  const refs = (rows: ClaimedEmail[]): RowClaim[] => rows.map((r) => ({ id: r.id, attempts: r.attempts }));

  /** Why each row must not go (null: it may), with one query for the whole unit. */
  async function suppressions(rows: ClaimedEmail[]): Promise<Array<string | null>> {
    const reasons = await suppressionsFor(
      db,
      rows.map((row) => ({ recipient: row.recipient, transactional: row.transactional, subscriptionId: row.subscriptionId })),
    );
    return rows.map((row, index) => {
      const reason = reasons[index] ?? null;
      if (reason) return reason;
      // Its subscription was deleted (with its organisation or need): no unsubscribe link can be made.
      if (!row.transactional && row.subscriptionId === null && row.kind !== "test") return "no subscription";
      return null;
    });
  }

  async function compose(row: ClaimedEmail, renders: RenderCache): Promise<OutgoingEmail> {
    if (/[\r\n]/.test(row.recipient)) throw new Error("recipient contains a line break");
    const unsubscribeUrl =
      !row.transactional && row.subscriptionToken ? `${env.APP_URL}/unsubscribe/${encodeURIComponent(row.subscriptionToken)}` : undefined;
    const rendered = await renders.render({ kind: row.kind, locale: row.locale, props: row.props, unsubscribeUrl });
    const headers: Record<string, string> = {};
    if (unsubscribeUrl) {
      // RFC 8058 one-click unsubscribe: mail clients POST to the URL without opening it.
      headers["List-Unsubscribe"] = `<${unsubscribeUrl}>`;
      headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
    }
    for (const key of Object.keys(headers)) headers[key] = oneLine(headers[key]!);
    return {
      from: oneLine(env.EMAIL_FROM),
      to: row.recipient.trim(),
      subject: oneLine(rendered.subject),
      html: rendered.html,
      text: rendered.text,
      headers,
      locale: row.locale,
    };
  }

  /** Sends one claimed unit and records the outcome. */
  async function sendUnit(unit: ClaimedUnit, result: DrainResult, renders: RenderCache): Promise<void> {
    let rows = unit.rows;
    // Suppression is checked at send time, so an unsubscribe that lands while an email waits
    // still stops it. A sealed group is a replay of a call the provider may already have
    // delivered: it must carry the same emails, so its members were fixed when its key was written.
    if (unit.sealedKey === null) {
      const reasons = await suppressions(rows);
      const byReason = new Map<string, ClaimedEmail[]>();
      rows.forEach((row, index) => {
        const reason = reasons[index];
        if (reason) byReason.set(reason, [...(byReason.get(reason) ?? []), row]);
      });
      for (const [reason, suppressed] of byReason) result.suppressed += await markSuppressed(db, refs(suppressed), reason, now());
      rows = rows.filter((_, index) => reasons[index] === null);
    }

    const ready: { row: ClaimedEmail; email: OutgoingEmail }[] = [];
    for (const row of rows) {
      try {
        ready.push({ row, email: await compose(row, renders) });
      } catch (error) {
        // A template that cannot render these props will not render them on a retry either.
        result.dead += await markDead(db, refs([row]), `cannot build the email: ${errorMessage(error)}`, now());
        log.error({ id: row.id, kind: row.kind, err: error }, "email cannot be rendered");
      }
    }
    if (ready.length === 0) return;
    const claims = refs(ready.map((r) => r.row));
    const batch = unit.batchKey !== null;
    const sendKey = batch ? (unit.sealedKey ?? `batch:${unit.batchKey}:${ready[0]!.row.id}`) : ready[0]!.row.idempotencyKey;

    const { waitMs } = await reserveSendSlot(db, intervalMs);
    if (waitMs > leaseMs / 2) {
      // Too far out (a provider-wide pause): do not sit on rows others could send later.
      await releaseClaim(db, claims, now());
      await pause(waitMs);
      return;
    }
    if (!(await pause(waitMs))) {
      await releaseClaim(db, claims, now());
      return;
    }
    // Still ours? Renew the lease and write the key down before the call: from here on, any
    // retry or re-claim repeats this exact call.
    if (!(await prepareSend(db, claims, { sendKey, leaseExpiresAt: new Date(now().getTime() + leaseMs), now: now() }))) {
      log.warn({ ids: claims.map((c) => c.id) }, "claim lost before sending; another worker has these rows");
      return;
    }
    // The call leaves now, however late against its slot: the next one is spaced from here.
    await markDeparture(db, intervalMs);

    result.calls += 1;
    let outcome: SendOutcome;
    try {
      outcome = batch ? await transport.sendBatch(ready.map((r) => r.email), sendKey) : await transport.send(ready[0]!.email, sendKey);
    } catch (error) {
      // Transports report failures as values; a throw is a bug with an unknown outcome, which
      // the same key makes safe to try again.
      outcome = { ok: false, status: null, retryable: true, message: `transport error: ${errorMessage(error)}` };
    }

    if (outcome.ok) {
      const recorded = await markSent(
        db,
        ready.map(({ row }, index) => ({ id: row.id, attempts: row.attempts, providerMessageId: outcome.ids[index] ?? null })),
        now(),
      );
      result.sent += recorded;
      if (outcome.ids.length !== ready.length) log.warn({ sendKey, expected: ready.length, got: outcome.ids.length }, "provider returned fewer ids than emails");
      log.debug({ sendKey, emails: ready.length, to: ready.length === 1 ? maskEmail(ready[0]!.row.recipient) : undefined }, "email sent");
      return;
    }

    if (!outcome.retryable) {
      result.dead += await markDead(db, claims, outcome.message, now());
      log.error({ sendKey, status: outcome.status, error: outcome.message }, "provider refused the email");
      return;
    }
    // The unit's attempts: a group's rows live and die together, so it is never split.
    const attempt = Math.max(...ready.map((r) => r.row.attempts));
    if (attempt >= env.EMAIL_MAX_ATTEMPTS) {
      result.dead += await markDead(db, claims, outcome.message, now());
      log.error({ sendKey, status: outcome.status, attempt, error: outcome.message }, "email is dead after its last attempt");
      return;
    }
    const delayMs = outcome.retryAfterSeconds !== undefined ? outcome.retryAfterSeconds * 1000 : retryDelayMs(attempt);
    if (outcome.status === 429 && outcome.retryAfterSeconds !== undefined) {
      // The provider's limit is per account: every worker holds back, not just this one.
      await pauseSending(db, Math.min(outcome.retryAfterSeconds, MAX_GLOBAL_PAUSE_SECONDS));
    }
    result.retried += await markRetry(db, claims, { error: outcome.message, retryAt: new Date(now().getTime() + delayMs), now: now() });
    log.warn({ sendKey, status: outcome.status, attempt, retryInMs: delayMs, error: outcome.message }, "email send failed; will retry");
  }

  /** Sleeps unless stopping; false when interrupted. */
  async function pause(ms: number): Promise<boolean> {
    if (stopping.signal.aborted) return false;
    if (ms <= 0) return true;
    try {
      await sleep(ms, undefined, { signal: stopping.signal });
      return true;
    } catch {
      return false;
    }
  }

  async function drain(): Promise<DrainResult> {
    const result: DrainResult = { calls: 0, sent: 0, retried: 0, dead: 0, suppressed: 0 };
    // Each distinct email rendered once per drain (render-cache.server.ts): the units of one
    // fan-out share a handful of renders. Templates do not change while the process runs; the
    // cache is dropped now and then so a long drain of varied mail does not grow it unbounded.
    let renders = createRenderCache(render);
    let units = 0;
    while (!stopping.signal.aborted) {
      const unit = await claimNextUnit(db, { now: now(), leaseSeconds: env.EMAIL_LEASE_SECONDS });
      if (!unit) break;
      if (++units % RENDER_CACHE_UNITS === 0) renders = createRenderCache(render);
      await sendUnit(unit, result, renders);
    }
    return result;
  }

  function drainOnce(): Promise<DrainResult> {
    const running = drain();
    inFlight.add(running);
    void running.finally(() => inFlight.delete(running)).catch(() => {});
    return running;
  }

  return {
    drainOnce,
    start() {
      if (loop || stopping.signal.aborted) return;
      loop = (async () => {
        while (!stopping.signal.aborted) {
          try {
            const result = await drainOnce();
            if (result.calls > 0) log.info(result, "outbox drained");
          } catch (error) {
            // The database may be restarting; the next poll tries again.
            log.error({ err: error }, "outbox drain failed");
          }
          await pause(env.EMAIL_POLL_MS);
        }
      })();
    },
    async stop() {
      stopping.abort();
      await loop;
      await Promise.allSettled([...inFlight]);
    },
  };
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));
