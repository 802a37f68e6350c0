import { hashToken, newToken } from "~/auth/tokens.server";
import type { Database } from "~/db.server";
import { createNeed, transitionNeed, type ItemInput } from "~/models/needs.server";
import type { DonationStatus, MemberRole } from "~/models/schema";
import { insertSession } from "~/models/sessions.server";

let counter = 0;
const unique = () => `${process.pid}-${++counter}`;

export interface Organiser {
  userId: number;
  organisationId: number;
  orgSlug: string;
  /** Cookie header of a logged-in session (development cookie name; tests do not run in production). */
  cookie: string;
}

/** A session for a user, written the way app/auth/session.server.ts writes one. */
export async function sessionCookie(db: Database, userId: number): Promise<string> {
  const token = newToken();
  const now = new Date();
  await insertSession(db, { idHash: hashToken(token), userId, now, expiresAt: new Date(now.getTime() + 86_400_000) });
  return `tomoni_session=${token}`;
}

/**
 * A user who is a member (owner by default) of a new organisation, logged in. The new
 * organisation has a connected Stripe account that can take charges (publishing needs it),
 * unless `chargesEnabled: false` asks for one that has not connected Stripe at all.
 */
export async function createOrganiser(
  db: Database,
  options: { orgSlug?: string; orgName?: string; role?: MemberRole; organisationId?: number; chargesEnabled?: boolean } = {},
): Promise<Organiser> {
  const n = unique();
  const user = await db
    .insertInto("users")
    .values({ email: `organiser-${n}@example.org`, display_name: `Organiser ${n}` })
    .returning("id")
    .executeTakeFirstOrThrow();
  let organisationId = options.organisationId;
  let orgSlug = options.orgSlug ?? `org-${n}`;
  if (organisationId === undefined) {
    const connected = options.chargesEnabled !== false;
    const org = await db
      .insertInto("organisations")
      .values({
        slug: orgSlug,
        name: options.orgName ?? `Organisation ${n}`,
        region: "Osaka",
        stripe_account_id: connected ? `acct_test_${n.replace(/-/g, "_")}` : null,
        charges_enabled: connected,
        payouts_enabled: connected,
        details_submitted: connected,
      })
      .returning(["id", "slug"])
      .executeTakeFirstOrThrow();
    organisationId = org.id;
  } else {
    orgSlug = (await db.selectFrom("organisations").where("id", "=", organisationId).select("slug").executeTakeFirstOrThrow()).slug;
  }
  await db.insertInto("organisation_members").values({ organisation_id: organisationId, user_id: user.id, role: options.role ?? "owner" }).execute();
  return { userId: user.id, organisationId, orgSlug, cookie: await sessionCookie(db, user.id) };
}

/** The three items of the refrigerator story (design.md): ¥78,000 + ¥6,000 + 10 × ¥800 = ¥92,000. */
export const FRIDGE_ITEMS: ItemInput[] = [
  { name: "Refrigerator", description: "400 L", quantity: 1, unitCost: 78_000 },
  { name: "Delivery and installation", description: "", quantity: 1, unitCost: 6_000 },
  { name: "Food storage containers", description: "", quantity: 10, unitCost: 800 },
];

/** A need through the model, published unless asked to stay a draft. */
export async function createTestNeed(
  db: Database,
  organisationId: number,
  options: {
    slug?: string;
    title?: string;
    summary?: string;
    currency?: string;
    deadline?: string | null;
    items?: ItemInput[];
    publish?: boolean;
  } = {},
): Promise<{ id: number; slug: string }> {
  const need = await createNeed(db, organisationId, {
    slug: options.slug ?? `need-${unique()}`,
    title: options.title ?? "Refrigerator for the shelter",
    summary: options.summary ?? "The shelter has no refrigerator.",
    story: "Food Bank deliveries arrive every other week.",
    currency: options.currency ?? "JPY",
    deadline: options.deadline ?? null,
    surplusPolicy: "Anything above the goal goes to the food fund.",
    items: options.items ?? FRIDGE_ITEMS,
  });
  if (options.publish !== false) await transitionNeed(db, { organisationId, needId: need.id, to: "live" });
  return need;
}

/** A donation row as the donations code will write one (no Stripe involved). */
export async function addDonation(
  db: Database,
  needId: number,
  amount: number,
  options: { status?: DonationStatus; itemId?: number | null; email?: string; currency?: string } = {},
): Promise<number> {
  const row = await db
    .insertInto("donations")
    .values({
      need_id: needId,
      item_id: options.itemId ?? null,
      amount,
      currency: options.currency ?? "JPY",
      donor_email: options.email ?? `donor-${unique()}@example.org`,
      status: options.status ?? "succeeded",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Moves a need's publication (and the creation of it and its items, a minute earlier) into
 * the past, so tests can order needs and tell later items apart without waiting.
 */
export async function setPublishedAt(db: Database, needId: number, publishedAt: Date): Promise<void> {
  const created = new Date(publishedAt.getTime() - 60_000);
  await db.updateTable("needs").set({ published_at: publishedAt, created_at: created }).where("id", "=", needId).execute();
  await db.updateTable("items").set({ created_at: created }).where("need_id", "=", needId).execute();
}
