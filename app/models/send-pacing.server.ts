import { sql } from "kysely";
import type { Database } from "~/db.server";

/**
 * One shared clock of provider-call slots (the single email_send_pacing row), so every worker
 * in every process together stays under EMAIL_RATE_PER_SECOND. Reserving is one atomic UPDATE:
 * the row lock serialises concurrent reservations, and each gets the next free slot. Times
 * are the database's, so workers on machines with different clocks still agree.
 */

/**
 * How a provider counts "N requests per second": at most N in any sliding second, by its own
 * clock, when each request arrives (Resend's limit; bench/fake-resend.ts enforces it strictly).
 */
const PROVIDER_WINDOW_MS = 1000;
/**
 * The time between a call's departure stamp (markDeparture) and its arrival at the provider —
 * serialising up to 100 emails, the network — is not constant. Spacing calls exactly
 * 1000/N ms apart puts N + 1 arrivals in one second whenever a call arrives a few milliseconds
 * later than the one N calls after it, and each 429 stops every worker for its retry-after
 * (a whole second). N calls per (1 s + this allowance) absorbs that jitter.
 */
export const TRANSIT_ALLOWANCE_MS = 25;

/** The spacing of provider calls for a limit of `ratePerSecond` in any sliding second. */
export function sendIntervalMs(ratePerSecond: number): number {
  return (PROVIDER_WINDOW_MS + TRANSIT_ALLOWANCE_MS) / ratePerSecond;
}

export interface SendSlot {
  /** When this call may go out. */
  slot: Date;
  /** How long to wait for it from now (database time), never negative. */
  waitMs: number;
}

export async function reserveSendSlot(db: Database, intervalMs: number): Promise<SendSlot> {
  const row = await sql<{ slot: Date; wait_ms: number }>`
    UPDATE email_send_pacing
    SET next_slot = greatest(next_slot, now()) + ${intervalMs}::double precision * interval '1 millisecond'
    WHERE id = 1
    RETURNING next_slot - ${intervalMs}::double precision * interval '1 millisecond' AS slot,
              greatest(0, extract(epoch FROM (next_slot - now())) * 1000 - ${intervalMs}::double precision)::double precision AS wait_ms`.execute(db);
  const reserved = row.rows[0];
  if (!reserved) throw new Error("email_send_pacing has no row: run the migrations");
  return { slot: new Date(reserved.slot), waitMs: Number(reserved.wait_ms) };
}

/**
 * Right before a provider call, after its slot's wait and the database work that follows it: no
 * later call gets a slot sooner than `intervalMs` after this moment. A slot is when a call may
 * leave, not when it does; a call that leaves late (a slow statement, a busy event loop) would
 * otherwise sit closer to the calls after it than the rate allows, and N + 1 of them could
 * leave within one second. With this, consecutive calls of a worker leave at least
 * `intervalMs` apart, so never more than N in any sliding second; concurrent workers whose
 * slots were handed out before a late departure can come closer by that lateness, which
 * TRANSIT_ALLOWANCE_MS covers. clock_timestamp(), not now(): the moment of the call, not of
 * the statement's transaction start.
 */
export async function markDeparture(db: Database, intervalMs: number): Promise<void> {
  await sql`
    UPDATE email_send_pacing
    SET next_slot = greatest(next_slot, clock_timestamp() + ${intervalMs}::double precision * interval '1 millisecond')
    WHERE id = 1`.execute(db);
}

/**
 * The provider asked everyone to slow down (429 with retry-after): no worker gets a slot
 * before then. Never moves the clock backwards.
 */
export async function pauseSending(db: Database, seconds: number): Promise<void> {
  await sql`
    UPDATE email_send_pacing
    SET next_slot = greatest(next_slot, now() + ${seconds}::double precision * interval '1 second')
    WHERE id = 1`.execute(db);
}

/** The next free slot (for tests and the status command). */
export async function nextSendSlot(db: Database): Promise<Date> {
  const row = await db.selectFrom("email_send_pacing").select("next_slot").where("id", "=", 1).executeTakeFirstOrThrow();
  return row.next_slot;
}
