import { sql } from "kysely";
import type { Database } from "~/db.server";

/**
 * One shared clock of provider-call slots (the single email_send_pacing row), so every worker
 * in every process together stays under EMAIL_RATE_PER_SECOND. Reserving is one atomic UPDATE:
 * the row lock serialises concurrent reservations, and each gets the next free slot. Times
 * are the database's, so workers on machines with different clocks still agree.
 */

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
