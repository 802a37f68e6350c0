import type { Database } from "~/db.server";
import type { User } from "./users.server";

/** Server-side sessions. Only the SHA-256 of the cookie's token is stored (app/auth/session.server.ts). */

export async function insertSession(db: Database, input: { idHash: string; userId: number; now: Date; expiresAt: Date }): Promise<void> {
  await db
    .insertInto("sessions")
    .values({ id_hash: input.idHash, user_id: input.userId, created_at: input.now, last_seen_at: input.now, expires_at: input.expiresAt })
    .execute();
}

export interface ActiveSession {
  user: User;
  lastSeenAt: Date;
}

/** The session's user, if the session is neither past its absolute expiry nor idle for too long. */
export async function findActiveSession(
  db: Database,
  idHash: string,
  options: { now: Date; idleSeconds: number },
): Promise<ActiveSession | undefined> {
  const idleSince = new Date(options.now.getTime() - options.idleSeconds * 1000);
  const row = await db
    .selectFrom("sessions as s")
    .innerJoin("users as u", "u.id", "s.user_id")
    .select(["u.id", "u.email", "u.display_name as displayName", "u.locale", "s.last_seen_at as lastSeenAt"])
    .where("s.id_hash", "=", idHash)
    .where("s.expires_at", ">", options.now)
    .where("s.last_seen_at", ">", idleSince)
    .executeTakeFirst();
  if (!row) return undefined;
  const { lastSeenAt, ...user } = row;
  return { user, lastSeenAt };
}

/**
 * Moves last_seen_at forward, at most once per `minIntervalSeconds`: the condition sits in
 * the WHERE clause so concurrent requests of one visitor write the row once, not each.
 */
export async function touchSession(db: Database, idHash: string, options: { now: Date; minIntervalSeconds: number }): Promise<void> {
  const threshold = new Date(options.now.getTime() - options.minIntervalSeconds * 1000);
  await db
    .updateTable("sessions")
    .set({ last_seen_at: options.now })
    .where("id_hash", "=", idHash)
    .where("last_seen_at", "<", threshold)
    .execute();
}

export async function deleteSession(db: Database, idHash: string): Promise<void> {
  await db.deleteFrom("sessions").where("id_hash", "=", idHash).execute();
}

/** Housekeeping: sessions that can no longer be used (of one user, or of everyone). */
export async function deleteExpiredSessions(db: Database, options: { now: Date; idleSeconds: number; userId?: number }): Promise<number> {
  const idleSince = new Date(options.now.getTime() - options.idleSeconds * 1000);
  let query = db.deleteFrom("sessions").where((eb) => eb.or([eb("expires_at", "<=", options.now), eb("last_seen_at", "<=", idleSince)]));
  if (options.userId !== undefined) query = query.where("user_id", "=", options.userId);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}
