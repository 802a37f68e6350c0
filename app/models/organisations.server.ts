import { sql } from "kysely";
import type { Database } from "~/db.server";
import type { MemberRole } from "./schema";

/** Organisations and their members. */

export interface Organisation {
  id: number;
  slug: string;
  name: string;
  summary: string;
  about: string;
  website: string | null;
  region: string;
  contactEmail: string | null;
}

export interface Membership {
  organisation: Organisation;
  role: MemberRole;
}

const organisationColumns = [
  "o.id",
  "o.slug",
  "o.name",
  "o.summary",
  "o.about",
  "o.website",
  "o.region",
  "o.contact_email as contactEmail",
] as const;

/** The user's membership of the organisation with this slug, or undefined (no such organisation, or not a member). */
export async function getMembership(db: Database, userId: number, orgSlug: string): Promise<Membership | undefined> {
  const row = await db
    .selectFrom("organisations as o")
    .innerJoin("organisation_members as m", "m.organisation_id", "o.id")
    .select([...organisationColumns, "m.role"])
    .where("o.slug", "=", orgSlug)
    .where("m.user_id", "=", userId)
    .executeTakeFirst();
  if (!row) return undefined;
  const { role, ...organisation } = row;
  return { organisation, role };
}

export async function listMemberships(db: Database, userId: number): Promise<Membership[]> {
  const rows = await db
    .selectFrom("organisations as o")
    .innerJoin("organisation_members as m", "m.organisation_id", "o.id")
    .select([...organisationColumns, "m.role"])
    .where("m.user_id", "=", userId)
    .orderBy("o.name")
    .execute();
  return rows.map(({ role, ...organisation }) => ({ organisation, role }));
}

export interface OrganisationInput {
  name: string;
  slug: string;
  summary: string;
  about: string;
  website: string | null;
  region: string;
  contactEmail: string | null;
}

const toRow = (input: OrganisationInput) => ({
  name: input.name,
  slug: input.slug,
  summary: input.summary,
  about: input.about,
  website: input.website,
  region: input.region,
  contact_email: input.contactEmail,
});

/**
 * Creates an organisation with its creator as owner, in one transaction. A taken slug is
 * { slugTaken: true } — decided by the UNIQUE constraint (ON CONFLICT), not by a lookup first.
 */
export async function createOrganisation(
  db: Database,
  ownerId: number,
  input: OrganisationInput,
): Promise<{ organisation: { id: number; slug: string } } | { slugTaken: true }> {
  return db.transaction().execute(async (trx) => {
    const organisation = await trx
      .insertInto("organisations")
      .values(toRow(input))
      .onConflict((oc) => oc.column("slug").doNothing())
      .returning(["id", "slug"])
      .executeTakeFirst();
    if (!organisation) return { slugTaken: true as const };
    await trx.insertInto("organisation_members").values({ organisation_id: organisation.id, user_id: ownerId, role: "owner" }).execute();
    return { organisation };
  });
}

const UNIQUE_VIOLATION = "23505";

export async function updateOrganisation(
  db: Database,
  organisationId: number,
  input: OrganisationInput,
): Promise<{ ok: true } | { slugTaken: true }> {
  try {
    await db
      .updateTable("organisations")
      .set({ ...toRow(input), updated_at: sql`now()` })
      .where("id", "=", organisationId)
      .execute();
    return { ok: true };
  } catch (error) {
    // An UPDATE has no ON CONFLICT: the constraint's error is the answer for a renamed slug.
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) return { slugTaken: true };
    throw error;
  }
}

export interface Member {
  userId: number;
  email: string;
  displayName: string;
  role: MemberRole;
  since: Date;
}

export async function listMembers(db: Database, organisationId: number): Promise<Member[]> {
  return db
    .selectFrom("organisation_members as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select(["u.id as userId", "u.email", "u.display_name as displayName", "m.role", "m.created_at as since"])
    .where("m.organisation_id", "=", organisationId)
    .orderBy(sql`m.role = 'owner'`, "desc")
    .orderBy("m.created_at")
    .orderBy("u.id")
    .execute();
}

export type RemoveMemberResult = "removed" | "not-member" | "last-owner";

/**
 * Removes a member, refusing to leave the organisation without an owner.
 *
 * NOTE: "count the owners, then delete" is a race: two owners removing each other at once
 * would each see two owners and both succeed. Every removal first locks all of the
 * organisation's member rows (FOR UPDATE, in user_id order so two removals cannot deadlock),
 * so the second waits for the first to commit and then counts what is left.
 * https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-ROWS
 */
export async function removeMember(db: Database, organisationId: number, userId: number): Promise<RemoveMemberResult> {
  return db.transaction().execute(async (trx) => {
    const members = await trx
      .selectFrom("organisation_members")
      .select(["user_id", "role"])
      .where("organisation_id", "=", organisationId)
      .orderBy("user_id")
      .forUpdate()
      .execute();
    const target = members.find((m) => m.user_id === userId);
    if (!target) return "not-member";
    if (target.role === "owner" && members.filter((m) => m.role === "owner").length <= 1) return "last-owner";
    await trx
      .deleteFrom("organisation_members")
      .where("organisation_id", "=", organisationId)
      .where("user_id", "=", userId)
      .execute();
    return "removed";
  });
}

/** Slugs that would collide with fixed dashboard paths (/dashboard/new-organisation). */
export const RESERVED_ORGANISATION_SLUGS = new Set(["new-organisation", "new", "settings", "members", "invitations"]);
