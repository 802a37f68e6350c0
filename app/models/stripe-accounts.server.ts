import { sql } from "kysely";
import type { Database } from "~/db.server";

/**
 * Each organisation's connected Stripe account (Stripe Connect): which account it is, and
 * whether Stripe lets it take charges and pay out. Stripe is the source of truth; these
 * columns are a copy kept current by account.updated webhooks (and by a retrieve when an
 * owner comes back from onboarding).
 */

/** Where an organisation stands, from the dashboard's point of view. */
export type PaymentsState = "not_connected" | "onboarding" | "ready";

export interface PaymentsStatus {
  accountId: string | null;
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
  detailsSubmitted: boolean;
  /** Stripe's `created` (unix seconds) of the newest snapshot applied; null before the first. */
  syncedAt: number | null;
  state: PaymentsState;
}

export interface AccountSnapshot {
  accountId: string;
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
  detailsSubmitted: boolean;
  /** Unix seconds the snapshot describes: an event's `created`, or the time of a retrieve. */
  at: number;
}

export function paymentsState(status: { accountId: string | null; chargesEnabled: boolean }): PaymentsState {
  if (!status.accountId) return "not_connected";
  return status.chargesEnabled ? "ready" : "onboarding";
}

/** The organisation's payments status; undefined if there is no such organisation. */
export async function getPaymentsStatus(db: Database, organisationId: number): Promise<PaymentsStatus | undefined> {
  const row = await db
    .selectFrom("organisations")
    .where("id", "=", organisationId)
    .select(["stripe_account_id", "charges_enabled", "payouts_enabled", "details_submitted", "stripe_account_synced_at"])
    .executeTakeFirst();
  if (!row) return undefined;
  const status = {
    accountId: row.stripe_account_id,
    chargesEnabled: row.charges_enabled,
    payoutsEnabled: row.payouts_enabled,
    detailsSubmitted: row.details_submitted,
    syncedAt: row.stripe_account_synced_at === null ? null : Number(row.stripe_account_synced_at),
  };
  return { ...status, state: paymentsState(status) };
}

/**
 * Stores the organisation's connected account id, only while it has none: of two racing
 * owners (or a retry after a crash) the first writer wins, and every caller gets back the id
 * that is now stored, so everyone continues with the same account.
 */
export async function attachStripeAccount(db: Database, organisationId: number, accountId: string): Promise<string> {
  const attached = await db
    .updateTable("organisations")
    .set({ stripe_account_id: accountId, updated_at: sql`now()` })
    .where("id", "=", organisationId)
    .where("stripe_account_id", "is", null)
    .returning("stripe_account_id")
    .executeTakeFirst();
  if (attached?.stripe_account_id) return attached.stripe_account_id;
  // Someone else attached first (a conditional UPDATE decided it; this read only reports it).
  const row = await db.selectFrom("organisations").where("id", "=", organisationId).select("stripe_account_id").executeTakeFirst();
  if (!row?.stripe_account_id) throw new Error(`Organisation ${organisationId} does not exist`);
  return row.stripe_account_id;
}

/**
 * Applies what Stripe says about a connected account (account.updated, or a retrieve), in
 * one conditional UPDATE: only if nothing newer has been applied, so an older event that
 * arrives late cannot switch charges back off or on. An equal time applies again (the same
 * event delivered twice writes the same values). Returns whether a row changed; false for an
 * account no organisation holds or an out-of-date snapshot.
 */
export async function applyAccountSnapshot(
  trx: Database,
  input: { accountId: string; chargesEnabled: boolean; payoutsEnabled: boolean; detailsSubmitted: boolean; at: number }
): Promise<boolean> {
  const updated = await trx
    .updateTable("organisations")
    .set({
      charges_enabled: input.chargesEnabled,
      payouts_enabled: input.payoutsEnabled,
      details_submitted: input.detailsSubmitted,
      stripe_account_synced_at: input.at,
      updated_at: sql`now()`,
    })
    .where("stripe_account_id", "=", input.accountId)
    .where((eb) => eb.or([eb("stripe_account_synced_at", "is", null), eb("stripe_account_synced_at", "<=", input.at)]))
    .returning("id")
    .executeTakeFirst();
  return updated !== undefined;
}

/** The organisation that holds a connected account, if any (webhooks name accounts, not organisations). */
export async function findOrganisationByAccount(db: Database, accountId: string): Promise<{ id: number; slug: string } | undefined> {
  return db.selectFrom("organisations").where("stripe_account_id", "=", accountId).select(["id", "slug"]).executeTakeFirst();
}
