import { sql, type RawBuilder } from "kysely";
import { z } from "zod";
import type { Database } from "~/db.server";
import { validateEmailProps } from "~/email/render.server";
import type { Locale, OutboxStatus } from "./schema";

/**
 * The email outbox: rows written in the same transaction as their cause, drained by
 * app/email/worker.server.ts. Every state change after the claim is fenced by (id, attempts):
 * a worker that lost its lease (and so its rows) to another worker changes nothing.
 */

export class OutboxEnqueueError extends Error {
  override name = "OutboxEnqueueError";
}

export interface EnqueueEmailInput {
  kind: string;
  to: string;
  locale: Locale;
  props: Record<string, unknown>;
  /** From the email's cause, e.g. `goal-met:<need>:<address>`: the same key is the same email. */
  idempotencyKey: string;
  /** Receipts, password resets: not stopped by an unsubscribe, no unsubscribe link. */
  transactional?: boolean;
  /** Required for non-transactional email: its token makes the unsubscribe link. */
  subscriptionId?: number | null;
  /** Rows of one fan-out share it and go out through the batch endpoint together. */
  batchKey?: string | null;
}

// Kinds that need no subscription even when not transactional: an operator's delivery check.
const NO_SUBSCRIPTION_KINDS = new Set(["test"]);

/** A bare address. NOTE: CR or LF anywhere could smuggle a header into the message. */
const recipientSchema = z
  .string()
  .refine((value) => !/[\r\n]/.test(value), "must not contain a line break")
  .transform((value) => value.trim())
  .pipe(z.email("is not a valid email address").max(254, "is too long"));

// The provider's Idempotency-Key is at most 256 characters; batch calls use `batch:<key>:<id>`.
const keySchema = z
  .string()
  .min(1)
  .max(256)
  .refine((value) => !value.startsWith("batch:"), "must not start with batch: (reserved for batch calls)");
const batchKeySchema = z.string().min(1).max(200);

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new OutboxEnqueueError(`${what} ${result.error.issues[0]?.message ?? "is invalid"}`);
  return result.data;
}

/**
 * Queues an email inside the caller's transaction, so it exists if and only if its cause
 * committed. The same idempotency key twice is one email (ON CONFLICT DO NOTHING: no
 * check-then-insert race). Returns true when this call created the row.
 */
export async function enqueueEmail(trx: Database, input: EnqueueEmailInput): Promise<boolean> {
  return (await insertRows(trx, [outboxRow(input)])) === 1;
}

/**
 * enqueueEmail's INSERT, built and not run: for a caller that runs it inside one of its own
 * statements (a data-modifying WITH) to save a round trip. Throws exactly as enqueueEmail does,
 * before any SQL.
 */
export function enqueueEmailQuery(trx: Database, input: EnqueueEmailInput) {
  return insertQuery(trx, [outboxRow(input)]);
}

/**
 * Queues many emails (a fan-out) with multi-row INSERTs of `chunkSize` rows, with exactly
 * enqueueEmail's rules and dedupe: every row is checked as enqueueEmail checks it, and a key
 * already queued — by an earlier call, or earlier in the same list — is skipped by the same
 * UNIQUE constraint. Returns how many rows this call created.
 *
 * `skipRefused`: leave out inputs the outbox refuses (an invalid address) instead of throwing;
 * the checks run before any SQL, so either way the transaction is intact.
 */
export async function enqueueEmails(
  trx: Database,
  inputs: EnqueueEmailInput[],
  options: { skipRefused?: boolean; chunkSize?: number } = {},
): Promise<number> {
  // 8 parameters a row: 1,000 rows stay far below PostgreSQL's 65,535 per statement.
  const chunkSize = Math.max(1, Math.min(options.chunkSize ?? 1000, 5000));
  // A fan-out shares a few props objects among thousands of rows: check and serialise each once.
  const propsCache: PropsCache = new Map();
  const rows: OutboxRow[] = [];
  for (const input of inputs) {
    try {
      rows.push(outboxRow(input, propsCache));
    } catch (error) {
      if (!(options.skipRefused && error instanceof OutboxEnqueueError)) throw error;
    }
  }
  let created = 0;
  for (let start = 0; start < rows.length; start += chunkSize) created += await insertRows(trx, rows.slice(start, start + chunkSize));
  return created;
}

interface OutboxRow {
  idempotency_key: string;
  kind: string;
  recipient: string;
  locale: Locale;
  props: string;
  transactional: boolean;
  subscription_id: number | null;
  batch_key: string | null;
}

/**
 * Checks one email and turns it into its row; throws OutboxEnqueueError (or EmailTemplateError
 * for props the template refuses) before any SQL. `propsCache` is keyed by the props object
 * itself (and kind): the same object is the same props, checked once.
 */
type PropsCache = Map<Record<string, unknown>, Map<string, string>>;

function outboxRow(input: EnqueueEmailInput, propsCache?: PropsCache): OutboxRow {
  const recipient = check(recipientSchema, input.to, "Recipient");
  const idempotencyKey = check(keySchema, input.idempotencyKey, "Idempotency key");
  const batchKey = input.batchKey == null ? null : check(batchKeySchema, input.batchKey, "Batch key");
  const transactional = input.transactional ?? false;
  const subscriptionId = input.subscriptionId ?? null;
  if (!transactional && subscriptionId === null && !NO_SUBSCRIPTION_KINDS.has(input.kind)) {
    throw new OutboxEnqueueError(`A non-transactional "${input.kind}" email needs a subscriptionId for its unsubscribe link`);
  }
  let props = propsCache?.get(input.props)?.get(input.kind);
  if (props === undefined) {
    props = JSON.stringify(storable(validateEmailProps(input.kind, input.props)));
    if (propsCache) {
      const perKind = propsCache.get(input.props) ?? new Map<string, string>();
      perKind.set(input.kind, props);
      propsCache.set(input.props, perKind);
    }
  }
  return {
    idempotency_key: idempotencyKey,
    kind: input.kind,
    recipient,
    locale: input.locale,
    props,
    transactional,
    subscription_id: subscriptionId,
    batch_key: batchKey,
  };
}

function insertQuery(trx: Database, rows: OutboxRow[]) {
  return trx
    .insertInto("outbox_emails")
    .values(rows)
    .onConflict((oc) => oc.column("idempotency_key").doNothing())
    .returning("id");
}

async function insertRows(trx: Database, rows: OutboxRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  return (await insertQuery(trx, rows).execute()).length;
}

// jsonb cannot hold NUL or a lone surrogate; a donor's pasted name must not fail the cause's
// transaction over one stray character, so it becomes U+FFFD.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
function storable(value: unknown): unknown {
  if (typeof value === "string") return value.replace(UNSTORABLE, "\uFFFD");
  if (Array.isArray(value)) return value.map(storable);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(UNSTORABLE, "\uFFFD"), storable(v)]));
  }
  return value;
}

/** A claimed row, with the token of its subscription (for the unsubscribe link). */
export interface ClaimedEmail {
  id: number;
  attempts: number;
  idempotencyKey: string;
  kind: string;
  recipient: string;
  locale: Locale;
  props: Record<string, unknown>;
  transactional: boolean;
  subscriptionId: number | null;
  subscriptionToken: string | null;
  batchKey: string | null;
  /** The Idempotency-Key of the provider call: the row's own key, or its batch group's. */
  sendKey: string | null;
}

/** What one provider call carries: one single email, or one batch group of up to 100. */
export interface ClaimedUnit {
  batchKey: string | null;
  /** Set for a batch group whose key is already written: a replay of the same call. */
  sealedKey: string | null;
  rows: ClaimedEmail[];
}

/** Identifies a claim: attempts changes with every claim, so it fences stale workers out. */
export interface RowClaim {
  id: number;
  attempts: number;
}

export const BATCH_LIMIT = 100;

// NOTE: timestamps from now() carry microseconds, JS dates milliseconds: "at or before now"
// compares at the millisecond, or a row inserted in this same millisecond would not be due yet.
const due = (now: Date) => {
  const end = new Date(now.getTime() + 1);
  return sql<boolean>`((status = 'queued' AND next_attempt_at < ${end}) OR (status = 'sending' AND lease_expires_at < ${end}))`;
};

/**
 * Claims the next unit of work in one short transaction: SELECT … FOR UPDATE SKIP LOCKED (so
 * concurrent workers take different rows and never wait on each other), then status
 * 'sending', a lease and attempts + 1. A row whose worker died ('sending', lease expired) is
 * due again. Batch rows are claimed as a group: fresh rows of one batch_key (up to 100), or
 * exactly the members of a group whose send key is written (a replay must carry the same
 * emails, or the provider refuses the reused key).
 */
export async function claimNextUnit(
  db: Database,
  options: { now: Date; leaseSeconds: number; batchLimit?: number },
): Promise<ClaimedUnit | null> {
  const { now } = options;
  const leaseExpiresAt = new Date(now.getTime() + options.leaseSeconds * 1000);
  const batchLimit = Math.min(options.batchLimit ?? BATCH_LIMIT, BATCH_LIMIT);
  return db.transaction().execute(async (trx) => {
    // A few candidates, in case the first is a group another worker holds part of.
    const candidates = await trx
      .selectFrom("outbox_emails")
      .select(["id", "batch_key", "send_key"])
      .where(due(now))
      .orderBy("next_attempt_at")
      .orderBy("id")
      .limit(5)
      .forUpdate()
      .skipLocked()
      .execute();

    for (const candidate of candidates) {
      let ids: number[];
      let sealedKey: string | null = null;
      if (candidate.batch_key === null) {
        ids = [candidate.id];
      } else if (candidate.send_key !== null) {
        sealedKey = candidate.send_key;
        const members = await trx
          .selectFrom("outbox_emails")
          .select("id")
          .where("send_key", "=", sealedKey)
          .where("status", "in", ["queued", "sending"])
          .where(due(now))
          .orderBy("id")
          .forUpdate()
          .skipLocked()
          .execute();
        const total = await trx
          .selectFrom("outbox_emails")
          .select(sql<number>`count(*)::int`.as("n"))
          .where("send_key", "=", sealedKey)
          .where("status", "in", ["queued", "sending"])
          .executeTakeFirstOrThrow();
        // Only the whole group may go: part of it would be a different request under the same key.
        if (members.length !== total.n) continue;
        ids = members.map((m) => m.id);
      } else {
        const members = await trx
          .selectFrom("outbox_emails")
          .select("id")
          .where("batch_key", "=", candidate.batch_key)
          .where("send_key", "is", null)
          .where(due(now))
          .orderBy("id")
          .limit(batchLimit)
          .forUpdate()
          .skipLocked()
          .execute();
        ids = members.map((m) => m.id);
        if (!ids.includes(candidate.id)) continue;
      }

      await trx
        .updateTable("outbox_emails")
        .set((eb) => ({
          status: "sending",
          attempts: eb("attempts", "+", 1),
          lease_expires_at: leaseExpiresAt,
          updated_at: now,
          // A single email's provider call carries its own key, on every attempt.
          send_key: sql<string | null>`CASE WHEN batch_key IS NULL THEN idempotency_key ELSE send_key END`,
        }))
        .where("id", "in", ids)
        .execute();
      const rows = await trx
        .selectFrom("outbox_emails as o")
        .leftJoin("subscriptions as s", "s.id", "o.subscription_id")
        .select([
          "o.id",
          "o.attempts",
          "o.idempotency_key",
          "o.kind",
          "o.recipient",
          "o.locale",
          "o.props",
          "o.transactional",
          "o.subscription_id",
          "o.batch_key",
          "o.send_key",
          "s.token",
        ])
        .where("o.id", "in", ids)
        .orderBy("o.id")
        .execute();
      return {
        batchKey: candidate.batch_key,
        sealedKey,
        rows: rows.map((r) => ({
          id: r.id,
          attempts: r.attempts,
          idempotencyKey: r.idempotency_key,
          kind: r.kind,
          recipient: r.recipient,
          locale: r.locale,
          props: r.props,
          transactional: r.transactional,
          subscriptionId: r.subscription_id,
          subscriptionToken: r.token,
          batchKey: r.batch_key,
          sendKey: r.send_key,
        })),
      };
    }
    return null;
  });
}

/** (id, attempts) IN (…): only the claim that is still current matches. */
function claimed(claims: RowClaim[]): RawBuilder<boolean> {
  const pairs = claims.map((c) => sql`(${c.id}::bigint, ${c.attempts}::integer)`);
  return sql<boolean>`status = 'sending' AND (id, attempts) IN (${sql.join(pairs)})`;
}

/**
 * Right before the provider call: confirms every row is still ours, renews the lease and
 * writes the call's key (kept from now on, so a retry or a re-claim repeats the same call).
 * All or nothing: false means another worker owns some of the rows now, so do not send.
 */
export async function prepareSend(
  db: Database,
  claims: RowClaim[],
  options: { sendKey: string; leaseExpiresAt: Date; now: Date },
): Promise<boolean> {
  if (claims.length === 0) return false;
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable("outbox_emails")
      .set({ send_key: options.sendKey, lease_expires_at: options.leaseExpiresAt, updated_at: options.now })
      .where(claimed(claims))
      .returning("id")
      .execute();
    if (updated.length === claims.length) return true;
    // Roll back: a key written on part of a group would split it.
    throw new LostClaim();
  }).catch((error: unknown) => {
    if (error instanceof LostClaim) return false;
    throw error;
  });
}

class LostClaim extends Error {}

/** Records provider ids. Returns how many rows were still ours to record. */
export async function markSent(db: Database, sent: (RowClaim & { providerMessageId: string | null })[], now: Date): Promise<number> {
  if (sent.length === 0) return 0;
  const values = sent.map((s) => sql`(${s.id}::bigint, ${s.attempts}::integer, ${s.providerMessageId}::text)`);
  const result = await sql<{ id: number }>`
    UPDATE outbox_emails AS o
    SET status = 'sent', provider_message_id = v.provider_id, sent_at = ${now}, updated_at = ${now},
        lease_expires_at = NULL, last_error = NULL
    FROM (VALUES ${sql.join(values)}) AS v (id, attempts, provider_id)
    WHERE o.id = v.id AND o.attempts = v.attempts AND o.status = 'sending'
    RETURNING o.id`.execute(db);
  return result.rows.length;
}

/** A failure worth retrying: back to 'queued', due again at retryAt. */
export async function markRetry(db: Database, claims: RowClaim[], options: { error: string; retryAt: Date; now: Date }): Promise<number> {
  if (claims.length === 0) return 0;
  const rows = await db
    .updateTable("outbox_emails")
    .set({ status: "queued", next_attempt_at: options.retryAt, last_error: clip(options.error), lease_expires_at: null, updated_at: options.now })
    .where(claimed(claims))
    .returning("id")
    .execute();
  return rows.length;
}

/** A failure no retry can fix (refused, cannot render), or the last attempt failed. */
export async function markDead(db: Database, claims: RowClaim[], error: string, now: Date): Promise<number> {
  if (claims.length === 0) return 0;
  const rows = await db
    .updateTable("outbox_emails")
    .set({ status: "dead", last_error: clip(error), lease_expires_at: null, updated_at: now })
    .where(claimed(claims))
    .returning("id")
    .execute();
  return rows.length;
}

/** Not sent on purpose: the address is suppressed (the reason goes to last_error). */
export async function markSuppressed(db: Database, claims: RowClaim[], reason: string, now: Date): Promise<number> {
  if (claims.length === 0) return 0;
  const rows = await db
    .updateTable("outbox_emails")
    .set({ status: "suppressed", last_error: clip(reason), lease_expires_at: null, updated_at: now })
    .where(claimed(claims))
    .returning("id")
    .execute();
  return rows.length;
}

/** Gives unsent claimed rows back (a stopping worker): queued again, the attempt not counted. */
export async function releaseClaim(db: Database, claims: RowClaim[], now: Date): Promise<number> {
  if (claims.length === 0) return 0;
  const rows = await db
    .updateTable("outbox_emails")
    .set((eb) => ({
      status: "queued",
      attempts: eb("attempts", "-", 1),
      lease_expires_at: null,
      next_attempt_at: now,
      updated_at: now,
    }))
    .where(claimed(claims))
    .returning("id")
    .execute();
  return rows.length;
}

const clip = (text: string) => (text.length > 2000 ? `${text.slice(0, 1999)}…` : text);

// ---- Operator views and actions (npm run outbox:status / outbox:retry) ----

export const OUTBOX_STATUSES: readonly OutboxStatus[] = ["queued", "sending", "sent", "dead", "suppressed"];

export async function outboxCounts(db: Database): Promise<Record<OutboxStatus, number>> {
  const rows = await db
    .selectFrom("outbox_emails")
    .select(["status", sql<number>`count(*)::int`.as("n")])
    .groupBy("status")
    .execute();
  const counts = Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, 0])) as Record<OutboxStatus, number>;
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}

export async function listDeadEmails(db: Database, limit = 50) {
  return db
    .selectFrom("outbox_emails")
    .select(["id", "kind", "recipient", "attempts", "last_error", "updated_at"])
    .where("status", "=", "dead")
    .orderBy("updated_at", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
}

export type RequeueResult = { ok: true } | { ok: false; reason: "not_found" } | { ok: false; reason: "wrong_status"; status: OutboxStatus };

/**
 * Puts a dead or suppressed row back in the queue: due now, attempts 0, the same idempotency
 * key (so the provider dedupes if an earlier attempt did go out). A row of a batch group
 * leaves its group (send key cleared) and goes out in a new one: it cannot replay the old
 * group's call alone. A suppressed row is checked again at send time.
 */
export async function requeueEmail(db: Database, id: number, now: Date = new Date()): Promise<RequeueResult> {
  const updated = await db
    .updateTable("outbox_emails")
    .set({
      status: "queued",
      next_attempt_at: now,
      attempts: 0,
      lease_expires_at: null,
      last_error: null,
      updated_at: now,
      send_key: sql<string | null>`CASE WHEN batch_key IS NULL THEN send_key ELSE NULL END`,
    })
    .where("id", "=", id)
    .where("status", "in", ["dead", "suppressed"])
    .returning("id")
    .executeTakeFirst();
  if (updated) return { ok: true };
  const row = await db.selectFrom("outbox_emails").select("status").where("id", "=", id).executeTakeFirst();
  return row ? { ok: false, reason: "wrong_status", status: row.status } : { ok: false, reason: "not_found" };
}
