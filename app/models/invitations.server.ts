import { sql } from "kysely";
import type { Database } from "~/db.server";
import type { MemberRole } from "./schema";
import { normaliseEmail, type User } from "./users.server";

/** Invitations to join an organisation: single-use links, stored as the SHA-256 of their token. */

export const INVITATION_DAYS = 7;

export async function isMemberByEmail(db: Database, organisationId: number, email: string): Promise<boolean> {
  const row = await db
    .selectFrom("organisation_members as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select("m.user_id")
    .where("m.organisation_id", "=", organisationId)
    .where(sql<string>`lower(u.email)`, "=", normaliseEmail(email))
    .executeTakeFirst();
  return Boolean(row);
}

/**
 * Records an invitation (call inside the transaction that enqueues its email). An earlier
 * open invitation to the same address is withdrawn: the newest link is the one that works.
 */
export async function createInvitation(
  trx: Database,
  input: { organisationId: number; email: string; role: MemberRole; invitedBy: number; tokenHash: string; expiresAt: Date },
): Promise<void> {
  await trx
    .deleteFrom("invitations")
    .where("organisation_id", "=", input.organisationId)
    .where(sql<string>`lower(email)`, "=", normaliseEmail(input.email))
    .where("accepted_at", "is", null)
    .execute();
  await trx
    .insertInto("invitations")
    .values({
      token_hash: input.tokenHash,
      organisation_id: input.organisationId,
      email: input.email.trim(),
      role: input.role,
      invited_by: input.invitedBy,
      expires_at: input.expiresAt,
    })
    .execute();
}

export interface Invitation {
  tokenHash: string;
  email: string;
  role: MemberRole;
  expiresAt: Date;
  acceptedAt: Date | null;
  organisation: { id: number; slug: string; name: string };
}

export async function findInvitation(db: Database, tokenHash: string): Promise<Invitation | undefined> {
  const row = await db
    .selectFrom("invitations as i")
    .innerJoin("organisations as o", "o.id", "i.organisation_id")
    .select(["i.token_hash", "i.email", "i.role", "i.expires_at", "i.accepted_at", "o.id", "o.slug", "o.name"])
    .where("i.token_hash", "=", tokenHash)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    tokenHash: row.token_hash,
    email: row.email,
    role: row.role,
    expiresAt: new Date(row.expires_at),
    acceptedAt: row.accepted_at,
    organisation: { id: row.id, slug: row.slug, name: row.name },
  };
}

export type InvitationState = "open" | "expired" | "used";

export function invitationState(invitation: Pick<Invitation, "expiresAt" | "acceptedAt">, now = new Date()): InvitationState {
  if (invitation.acceptedAt) return "used";
  if (invitation.expiresAt.getTime() <= now.getTime()) return "expired";
  return "open";
}

export type AcceptResult =
  | { status: "accepted"; organisation: { slug: string; name: string }; role: MemberRole }
  | { status: "invalid" | "expired" | "used" | "wrong-account" };

/**
 * Accepts an invitation for a logged-in user whose address matches it. The invitation row
 * is locked first (FOR UPDATE), so of two simultaneous acceptances only one sees it open.
 * Someone who is already a member keeps their membership; an invitation as owner promotes.
 */
export async function acceptInvitation(db: Database, input: { tokenHash: string; user: User; now?: Date }): Promise<AcceptResult> {
  const now = input.now ?? new Date();
  return db.transaction().execute(async (trx): Promise<AcceptResult> => {
    const invitation = await trx
      .selectFrom("invitations")
      .select(["organisation_id", "email", "role", "expires_at", "accepted_at"])
      .where("token_hash", "=", input.tokenHash)
      .forUpdate()
      .executeTakeFirst();
    if (!invitation) return { status: "invalid" };
    const state = invitationState({ expiresAt: new Date(invitation.expires_at), acceptedAt: invitation.accepted_at }, now);
    if (state !== "open") return { status: state };
    if (normaliseEmail(invitation.email) !== normaliseEmail(input.user.email)) return { status: "wrong-account" };
    await trx
      .updateTable("invitations")
      .set({ accepted_at: now, accepted_by: input.user.id })
      .where("token_hash", "=", input.tokenHash)
      .execute();
    await trx
      .insertInto("organisation_members")
      .values({ organisation_id: invitation.organisation_id, user_id: input.user.id, role: invitation.role })
      .onConflict((oc) =>
        oc.columns(["organisation_id", "user_id"]).doUpdateSet({
          // Never a demotion by invitation: an owner invited as organiser stays owner.
          role: sql<MemberRole>`CASE WHEN excluded.role = 'owner' THEN 'owner' ELSE organisation_members.role END`,
        }),
      )
      .execute();
    const organisation = await trx
      .selectFrom("organisations")
      .select(["slug", "name"])
      .where("id", "=", invitation.organisation_id)
      .executeTakeFirstOrThrow();
    return { status: "accepted", organisation, role: invitation.role };
  });
}

export interface PendingInvitation {
  tokenHash: string;
  email: string;
  role: MemberRole;
  expiresAt: Date;
}

export async function listPendingInvitations(db: Database, organisationId: number, now = new Date()): Promise<PendingInvitation[]> {
  const rows = await db
    .selectFrom("invitations")
    .select(["token_hash", "email", "role", "expires_at"])
    .where("organisation_id", "=", organisationId)
    .where("accepted_at", "is", null)
    .where("expires_at", ">", now)
    .orderBy("created_at", "desc")
    .execute();
  return rows.map((r) => ({ tokenHash: r.token_hash, email: r.email, role: r.role, expiresAt: new Date(r.expires_at) }));
}

/** Withdraws an open invitation of this organisation (the hash names it; it cannot be turned back into a link). */
export async function revokeInvitation(db: Database, organisationId: number, tokenHash: string): Promise<boolean> {
  const result = await db
    .deleteFrom("invitations")
    .where("organisation_id", "=", organisationId)
    .where("token_hash", "=", tokenHash)
    .where("accepted_at", "is", null)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
