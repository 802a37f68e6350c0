import { sql, type ExpressionBuilder } from "kysely";
import type { Database } from "~/db.server";
import { allocateFunding, goalOf, type ItemFunding } from "~/funding";
import type { DB, LifecycleStep, NeedStatus } from "./schema";

/** Statuses a visitor can see. Drafts belong to their organisers only. */
export const PUBLIC_STATUSES: NeedStatus[] = ["live", "funded", "purchased", "delivered", "closed"];

/**
 * Money that counts toward a goal, per donation: succeeded, less refunds, less disputed
 * money until the dispute is won (design.md, money rules). Fee cover never counts.
 */
const COUNTED = sql<number>`(CASE WHEN d.status = 'succeeded'
  THEN greatest(d.amount - d.refunded_amount
    - CASE WHEN d.dispute_status IS NULL OR d.dispute_status = 'won' THEN 0 ELSE d.disputed_amount END, 0)
  ELSE 0 END)`;

function raisedOf(eb: ExpressionBuilder<DB, "needs">) {
  return eb
    .selectFrom("donations as d")
    .whereRef("d.need_id", "=", "needs.id")
    .select(sql<number>`coalesce(sum(${COUNTED}), 0)::bigint`.as("v"));
}

function backersOf(eb: ExpressionBuilder<DB, "needs">) {
  return eb
    .selectFrom("donations as d")
    .whereRef("d.need_id", "=", "needs.id")
    .where(sql<boolean>`${COUNTED} > 0`)
    .select(sql<number>`count(DISTINCT lower(d.donor_email))::bigint`.as("v"));
}

function goalOfNeed(eb: ExpressionBuilder<DB, "needs">) {
  return eb
    .selectFrom("items as i")
    .whereRef("i.need_id", "=", "needs.id")
    .where("i.substituted_by_item_id", "is", null)
    .select(sql<number>`coalesce(sum(i.quantity * i.unit_cost), 0)::bigint`.as("v"));
}

export interface NeedSummary {
  slug: string;
  title: string;
  summary: string;
  currency: string;
  status: NeedStatus;
  deadline: string | null;
  publishedAt: Date | null;
  organisation: { name: string; slug: string };
  goal: number;
  raised: number;
  backers: number;
}

/** Needs visible on the home page, newest first. */
export async function listPublicNeeds(
  db: Database,
  options: { statuses?: NeedStatus[]; limit?: number } = {},
): Promise<NeedSummary[]> {
  const rows = await db
    .selectFrom("needs")
    .innerJoin("organisations as o", "o.id", "needs.organisation_id")
    .where("needs.status", "in", options.statuses ?? ["live"])
    .select((eb) => [
      "needs.slug",
      "needs.title",
      "needs.summary",
      "needs.currency",
      "needs.status",
      "needs.deadline",
      "needs.published_at",
      "o.name as organisation_name",
      "o.slug as organisation_slug",
      goalOfNeed(eb).as("goal"),
      raisedOf(eb).as("raised"),
      backersOf(eb).as("backers"),
    ])
    .orderBy("needs.published_at", "desc")
    .orderBy("needs.id", "desc")
    .limit(options.limit ?? 50)
    .execute();
  return rows.map((row) => ({
    slug: row.slug,
    title: row.title,
    summary: row.summary,
    currency: row.currency,
    status: row.status,
    deadline: row.deadline,
    publishedAt: row.published_at,
    organisation: { name: row.organisation_name, slug: row.organisation_slug },
    goal: Number(row.goal ?? 0),
    raised: Number(row.raised ?? 0),
    backers: Number(row.backers ?? 0),
  }));
}

export interface NeedItemView {
  id: number;
  name: string;
  description: string;
  quantity: number;
  unitCost: number;
  total: number;
  funded: number;
  substitutedBy: string | null;
}

export interface NeedUpdateView {
  id: number;
  title: string;
  body: string;
  eventDate: string;
  publishedAt: Date | null;
  lifecycleStep: LifecycleStep | null;
  spendNote: string;
}

export interface NeedDetail extends NeedSummary {
  id: number;
  story: string;
  surplusPolicy: string;
  region: string;
  items: NeedItemView[];
  updates: NeedUpdateView[];
}

/** A public need with its items' funding and its published updates; undefined if not public. */
export async function getPublicNeed(db: Database, slug: string): Promise<NeedDetail | undefined> {
  const need = await db
    .selectFrom("needs")
    .innerJoin("organisations as o", "o.id", "needs.organisation_id")
    .where("needs.slug", "=", slug)
    .where("needs.status", "in", PUBLIC_STATUSES)
    .select((eb) => [
      "needs.id",
      "needs.slug",
      "needs.title",
      "needs.summary",
      "needs.story",
      "needs.surplus_policy",
      "needs.currency",
      "needs.status",
      "needs.deadline",
      "needs.published_at",
      "o.name as organisation_name",
      "o.slug as organisation_slug",
      "o.region",
      raisedOf(eb).as("raised"),
      backersOf(eb).as("backers"),
    ])
    .executeTakeFirst();
  if (!need) return undefined;

  const [items, targeted, updates] = await Promise.all([
    db
      .selectFrom("items as i")
      .leftJoin("items as r", "r.id", "i.substituted_by_item_id")
      .where("i.need_id", "=", need.id)
      .select(["i.id", "i.name", "i.description", "i.quantity", "i.unit_cost", "r.name as substituted_by"])
      .orderBy("i.position")
      .execute(),
    db
      .selectFrom("donations as d")
      .where("d.need_id", "=", need.id)
      .where("d.item_id", "is not", null)
      .groupBy("d.item_id")
      .select(["d.item_id", sql<number>`coalesce(sum(${COUNTED}), 0)::bigint`.as("raised")])
      .execute(),
    db
      .selectFrom("updates")
      .where("need_id", "=", need.id)
      .where("published_at", "is not", null)
      .where("deleted_at", "is", null)
      .select(["id", "title", "body", "event_date", "published_at", "lifecycle_step", "spend_note"])
      .orderBy("event_date", "desc")
      .orderBy("published_at", "desc")
      .execute(),
  ]);

  const fundable = items.map((item) => ({
    id: item.id,
    quantity: item.quantity,
    unitCost: item.unit_cost,
    substituted: item.substituted_by !== null,
  }));
  const raised = Number(need.raised ?? 0);
  const funding = new Map<number, ItemFunding>(
    allocateFunding(fundable, raised, new Map(targeted.map((t) => [Number(t.item_id), Number(t.raised)]))).map((f) => [f.id, f]),
  );

  return {
    id: need.id,
    slug: need.slug,
    title: need.title,
    summary: need.summary,
    story: need.story,
    surplusPolicy: need.surplus_policy,
    currency: need.currency,
    status: need.status,
    deadline: need.deadline,
    publishedAt: need.published_at,
    organisation: { name: need.organisation_name, slug: need.organisation_slug },
    region: need.region,
    goal: goalOf(fundable),
    raised,
    backers: Number(need.backers ?? 0),
    items: items.map((item) => ({
      id: item.id,
      name: item.name,
      description: item.description,
      quantity: item.quantity,
      unitCost: item.unit_cost,
      total: funding.get(item.id)!.total,
      funded: funding.get(item.id)!.funded,
      substitutedBy: item.substituted_by,
    })),
    updates: updates.map((u) => ({
      id: u.id,
      title: u.title,
      body: u.body,
      eventDate: u.event_date,
      publishedAt: u.published_at,
      lifecycleStep: u.lifecycle_step,
      spendNote: u.spend_note,
    })),
  };
}
