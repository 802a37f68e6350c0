import { sql, type ExpressionBuilder, type Kysely } from "kysely";
import type { Database } from "~/db.server";
import { allocateFunding, goalOf, type ItemFunding } from "~/funding";
import {
  canAddItems,
  canChangeItems,
  canEditDetails,
  canEditIdentity,
  canSubstituteItems,
  canTransition,
  type LifecycleActor,
} from "~/need-lifecycle";
import { NEED_SORTS, type NeedSort } from "~/need-options";
import type { DB, NeedStatus } from "./schema";

/** Statuses a visitor can see. Drafts belong to their organisers only. */
export const PUBLIC_STATUSES: NeedStatus[] = ["live", "funded", "purchased", "delivered", "closed"];
/** Needs that reached their goal: shown as "completed" on the home and organisation pages. */
export const COMPLETED_STATUSES: NeedStatus[] = ["funded", "purchased", "delivered", "closed"];

/**
 * Money that counts toward a goal, per donation: succeeded, less refunds, less disputed
 * money until the dispute is won (design.md, money rules). Fee cover never counts.
 */
export const COUNTED = sql<number>`(CASE WHEN d.status = 'succeeded'
  THEN greatest(d.amount - d.refunded_amount
    - CASE WHEN d.dispute_status IS NULL OR d.dispute_status = 'won' THEN 0 ELSE d.disputed_amount END, 0)
  ELSE 0 END)`;

export function raisedOf(eb: ExpressionBuilder<DB, "needs">) {
  return eb
    .selectFrom("donations as d")
    .whereRef("d.need_id", "=", "needs.id")
    // COUNTED is 0 for any other status; the filter lets (need_id, status) skip pending rows.
    .where("d.status", "=", "succeeded")
    .select(sql<number>`coalesce(sum(${COUNTED}), 0)::bigint`.as("v"));
}

export function backersOf(eb: ExpressionBuilder<DB, "needs">) {
  return eb
    .selectFrom("donations as d")
    .whereRef("d.need_id", "=", "needs.id")
    .where("d.status", "=", "succeeded")
    .where(sql<boolean>`${COUNTED} > 0`)
    .select(sql<number>`count(DISTINCT lower(d.donor_email))::bigint`.as("v"));
}

export function goalOfNeed(eb: ExpressionBuilder<DB, "needs">) {
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

export { NEED_SORTS, type NeedSort };

export interface ListNeedsOptions {
  statuses?: NeedStatus[];
  limit?: number;
  sort?: NeedSort;
  /** Only this organisation's needs. */
  organisationSlug?: string;
  /** Words to find in the title or summary (case-insensitive substring). */
  search?: string;
}

/**
 * A visitor's search text as an ILIKE pattern that matches it literally: `%`, `_` and the
 * escape character itself mean nothing special. Substring matching (rather than full-text
 * search) also finds Japanese words, which have no spaces for a tokenizer to split on.
 */
export function containsPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Needs with their organisation and computed goal, raised and backers; callers add conditions. */
function summaryQuery(db: Database) {
  return db
    .selectFrom("needs")
    .innerJoin("organisations as o", "o.id", "needs.organisation_id")
    .select((eb) => [
      "needs.id",
      "needs.slug",
      "needs.title",
      "needs.summary",
      "needs.currency",
      "needs.status",
      "needs.deadline",
      "needs.published_at",
      "needs.created_at",
      "o.name as organisation_name",
      "o.slug as organisation_slug",
      goalOfNeed(eb).as("goal"),
      raisedOf(eb).as("raised"),
      backersOf(eb).as("backers"),
    ]);
}

interface SummaryRow {
  slug: string;
  title: string;
  summary: string;
  currency: string;
  status: NeedStatus;
  deadline: string | null;
  published_at: Date | null;
  organisation_name: string;
  organisation_slug: string;
  goal: number | null;
  raised: number | null;
  backers: number | null;
}

function toSummary(row: SummaryRow): NeedSummary {
  return {
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
  };
}

/** Public needs (live by default), newest first unless asked otherwise. */
export async function listPublicNeeds(db: Database, options: ListNeedsOptions = {}): Promise<NeedSummary[]> {
  const query = publicNeedsQuery(db, options);
  if (!query) return [];
  return (await query.limit(options.limit ?? 50).execute()).map(toSummary);
}

export interface NeedsPage {
  needs: NeedSummary[];
  /** All the needs that match, on every page. */
  total: number;
}

/** One page of public needs (pages count from 1), with how many match in all. */
export async function listPublicNeedsPage(db: Database, options: Omit<ListNeedsOptions, "limit">, page: { number: number; size: number }): Promise<NeedsPage> {
  const query = publicNeedsQuery(db, options);
  if (!query) return { needs: [], total: 0 };
  // The total in the same statement: a window over every match, computed before LIMIT.
  const rows = await query
    .select(sql<string>`count(*) over ()`.as("total"))
    .limit(page.size)
    .offset((page.number - 1) * page.size)
    .execute();
  if (rows.length > 0) return { needs: rows.map(toSummary), total: Number(rows[0]!.total) };
  // Past the last page: no row carries the total, so count.
  const counted = await db
    .selectFrom(query.as("m"))
    .select(sql<string>`count(*)`.as("n"))
    .executeTakeFirstOrThrow();
  return { needs: [], total: Number(counted.n) };
}

function publicNeedsQuery(db: Database, options: Omit<ListNeedsOptions, "limit">) {
  const statuses = (options.statuses ?? ["live"]).filter((s) => PUBLIC_STATUSES.includes(s));
  if (statuses.length === 0) return undefined;
  let inner = summaryQuery(db).where("needs.status", "in", statuses);
  if (options.organisationSlug) inner = inner.where("o.slug", "=", options.organisationSlug);
  const search = options.search?.trim();
  if (search) {
    const pattern = containsPattern(search);
    // NOTE: ESCAPE '\' names the escape character explicitly rather than relying on the default.
    inner = inner.where((eb) =>
      eb.or([sql<boolean>`${eb.ref("needs.title")} ILIKE ${pattern} ESCAPE '\\'`, sql<boolean>`${eb.ref("needs.summary")} ILIKE ${pattern} ESCAPE '\\'`]),
    );
  }
  // The sort keys are computed columns, so order the rows of a subquery.
  let query = db.selectFrom(inner.as("n")).selectAll();
  switch (options.sort ?? "newest") {
    case "nearly_funded":
      // numeric division is exact; the ratio only orders rows and is never stored as money.
      query = query.orderBy(sql`CASE WHEN n.goal > 0 THEN n.raised::numeric / n.goal ELSE 0 END`, "desc");
      break;
    case "ending_soon":
      // Upcoming deadlines first, soonest first; then needs without a deadline; then those whose deadline passed.
      query = query
        .orderBy(sql`CASE WHEN n.deadline >= current_date THEN 0 WHEN n.deadline IS NULL THEN 1 ELSE 2 END`)
        .orderBy(sql`n.deadline`, "asc");
      break;
    case "newest":
      break;
  }
  // The id last, so every row has one place and pages neither repeat nor skip a need.
  return query.orderBy(sql`n.published_at`, (ob) => ob.desc().nullsLast()).orderBy(sql`n.id`, "desc");
}

/** Organisations that have live needs, for the home page's filter. */
export async function listOrganisationsWithLiveNeeds(db: Database): Promise<{ slug: string; name: string }[]> {
  return db
    .selectFrom("organisations as o")
    .where((eb) => eb.exists(eb.selectFrom("needs").whereRef("needs.organisation_id", "=", "o.id").where("needs.status", "=", "live").select("needs.id")))
    .select(["o.slug", "o.name"])
    .orderBy("o.name")
    .execute();
}

export interface OrganisationNeedSummary extends NeedSummary {
  id: number;
  createdAt: Date;
}

/** Every need of one organisation, drafts and cancelled ones included, for its dashboard. */
export async function listOrganisationNeeds(db: Database, organisationId: number): Promise<OrganisationNeedSummary[]> {
  const rows = await summaryQuery(db)
    .where("needs.organisation_id", "=", organisationId)
    .orderBy("needs.created_at", "desc")
    .orderBy("needs.id", "desc")
    .execute();
  return rows.map((row) => ({ ...toSummary(row), id: row.id, createdAt: row.created_at }));
}

export interface PublicOrganisation {
  id: number;
  slug: string;
  name: string;
  summary: string;
  about: string;
  region: string;
  website: string | null;
  contactEmail: string | null;
}

export async function getPublicOrganisation(db: Database, slug: string): Promise<PublicOrganisation | undefined> {
  return db
    .selectFrom("organisations")
    .where("slug", "=", slug)
    .select(["id", "slug", "name", "summary", "about", "region", "website", "contact_email as contactEmail"])
    .executeTakeFirst();
}

export interface NeedItemView {
  id: number;
  name: string;
  description: string;
  quantity: number;
  unitCost: number;
  total: number;
  funded: number;
  position: number;
  substitutedById: number | null;
  substitutedBy: string | null;
  /** 'YYYY-MM-DD' (UTC) when the item was added after publishing; null otherwise. */
  addedAt: string | null;
}


export interface NeedDetail extends NeedSummary {
  id: number;
  organisationId: number;
  story: string;
  surplusPolicy: string;
  region: string;
  items: NeedItemView[];
}

/** A public need with its items' funding; undefined if not public. Its updates are the timeline's (timeline.server.ts). */
export async function getPublicNeed(db: Database, slug: string): Promise<NeedDetail | undefined> {
  return loadNeedDetail(db, { slug, statuses: PUBLIC_STATUSES });
}

/**
 * One organisation's need in any status (the dashboard and the preview), in exactly the
 * shape the public page shows; undefined if the organisation has no need by that slug.
 */
export async function getOrganisationNeed(db: Database, organisationId: number, slug: string): Promise<NeedDetail | undefined> {
  return loadNeedDetail(db, { slug, organisationId });
}

async function loadNeedDetail(
  db: Database,
  where: { slug: string; statuses?: NeedStatus[]; organisationId?: number },
): Promise<NeedDetail | undefined> {
  let query = db
    .selectFrom("needs")
    .innerJoin("organisations as o", "o.id", "needs.organisation_id")
    .where("needs.slug", "=", where.slug)
    .select((eb) => [
      "needs.id",
      "needs.organisation_id",
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
    ]);
  if (where.statuses) query = query.where("needs.status", "in", where.statuses);
  if (where.organisationId !== undefined) query = query.where("needs.organisation_id", "=", where.organisationId);
  const need = await query.executeTakeFirst();
  if (!need) return undefined;

  const [items, targeted] = await Promise.all([
    db
      .selectFrom("items as i")
      .leftJoin("items as r", "r.id", "i.substituted_by_item_id")
      .where("i.need_id", "=", need.id)
      .select([
        "i.id",
        "i.name",
        "i.description",
        "i.quantity",
        "i.unit_cost",
        "i.position",
        "i.created_at",
        "i.substituted_by_item_id",
        "r.name as substituted_by",
      ])
      .orderBy("i.position")
      .execute(),
    db
      .selectFrom("donations as d")
      .where("d.need_id", "=", need.id)
      .where("d.item_id", "is not", null)
      .groupBy("d.item_id")
      .select(["d.item_id", sql<number>`coalesce(sum(${COUNTED}), 0)::bigint`.as("raised")])
      .execute(),
  ]);

  const fundable = items.map((item) => ({
    id: item.id,
    quantity: item.quantity,
    unitCost: item.unit_cost,
    substituted: item.substituted_by_item_id !== null,
  }));
  const raised = Number(need.raised ?? 0);
  const funding = new Map<number, ItemFunding>(
    allocateFunding(fundable, raised, new Map(targeted.map((t) => [Number(t.item_id), Number(t.raised)]))).map((f) => [f.id, f]),
  );
  const publishedAt = need.published_at;

  return {
    id: need.id,
    organisationId: need.organisation_id,
    slug: need.slug,
    title: need.title,
    summary: need.summary,
    story: need.story,
    surplusPolicy: need.surplus_policy,
    currency: need.currency,
    status: need.status,
    deadline: need.deadline,
    publishedAt,
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
      position: item.position,
      substitutedById: item.substituted_by_item_id,
      substitutedBy: item.substituted_by,
      // Donors should see that the list grew after they gave (issue 4): mark later items.
      addedAt: publishedAt && item.created_at > publishedAt ? item.created_at.toISOString().slice(0, 10) : null,
    })),
  };
}

/** Whether anyone has started a donation to this need (any row, whatever its status). */
export async function needHasDonations(db: Kysely<DB>, needId: number): Promise<boolean> {
  const row = await db.selectFrom("donations").where("need_id", "=", needId).select("id").limit(1).executeTakeFirst();
  return row !== undefined;
}

// ---------------------------------------------------------------------------------------
// Changes. Every one names the organisation as well as the need, so a need can only ever be
// changed through the organisation that owns it; and every item change runs in one
// transaction that first locks the need's row (SELECT … FOR UPDATE). Donations lock the same
// row, so "no donations yet" cannot become false between our check and our write.
// ---------------------------------------------------------------------------------------

export type NeedRuleCode =
  | "not_found"
  | "not_editable"
  | "has_donations"
  | "illegal_transition"
  | "conflict"
  | "no_items"
  | "already_substituted"
  | "cannot_move"
  | "slug_taken"
  | "currency_locked"
  | "payments_not_ready";

/** A change the rules refuse. Thrown inside the transaction, so nothing of it is written. */
export class NeedRuleError extends Error {
  constructor(readonly code: NeedRuleCode) {
    super(`Need change refused: ${code}`);
    this.name = "NeedRuleError";
  }
}

export interface NeedDetailsInput {
  title: string;
  summary: string;
  story: string;
  deadline: string | null;
  surplusPolicy: string;
}

export interface NewNeedInput extends NeedDetailsInput {
  slug: string;
  currency: string;
}

export interface ItemInput {
  name: string;
  description: string;
  quantity: number;
  /** Integer minor units of the need's currency. */
  unitCost: number;
}

const UNIQUE_VIOLATION = "23505";

const itemRow = (needId: number, position: number, item: ItemInput) => ({
  need_id: needId,
  position,
  name: item.name,
  description: item.description,
  quantity: item.quantity,
  unit_cost: item.unitCost,
});

/** Creates a draft with its items, all or nothing. A taken slug is decided by the UNIQUE constraint. */
export async function createNeed(
  db: Database,
  organisationId: number,
  input: NewNeedInput & { items: ItemInput[] },
): Promise<{ id: number; slug: string }> {
  return db.transaction().execute(async (trx) => {
    const need = await trx
      .insertInto("needs")
      .values({
        organisation_id: organisationId,
        slug: input.slug,
        title: input.title,
        summary: input.summary,
        story: input.story,
        currency: input.currency,
        deadline: input.deadline,
        surplus_policy: input.surplusPolicy,
        status: "draft",
      })
      .onConflict((oc) => oc.column("slug").doNothing())
      .returning(["id", "slug"])
      .executeTakeFirst();
    if (!need) throw new NeedRuleError("slug_taken");
    if (input.items.length > 0) {
      await trx
        .insertInto("items")
        .values(input.items.map((item, position) => itemRow(need.id, position, item)))
        .execute();
    }
    return need;
  });
}

interface LockedNeed {
  id: number;
  status: NeedStatus;
  slug: string;
  currency: string;
}

async function lockNeed(trx: Kysely<DB>, organisationId: number, needId: number): Promise<LockedNeed> {
  const need = await trx
    .selectFrom("needs")
    .where("id", "=", needId)
    .where("organisation_id", "=", organisationId)
    .select(["id", "status", "slug", "currency"])
    .forUpdate()
    .executeTakeFirst();
  if (!need) throw new NeedRuleError("not_found");
  return need;
}

/** Items that donors have given to are fixed: edit, remove and reorder stop at the first donation. */
async function requireNoDonations(trx: Kysely<DB>, needId: number): Promise<void> {
  if (await needHasDonations(trx, needId)) throw new NeedRuleError("has_donations");
}

async function lockItem(trx: Kysely<DB>, needId: number, itemId: number) {
  const item = await trx
    .selectFrom("items")
    .where("id", "=", itemId)
    .where("need_id", "=", needId)
    .select(["id", "position", "substituted_by_item_id"])
    .forUpdate()
    .executeTakeFirst();
  if (!item) throw new NeedRuleError("not_found");
  return item;
}

/** Saves the text fields; slug and currency only while the need is a draft (and currency only without items). */
export async function updateNeedDetails(
  db: Database,
  organisationId: number,
  needId: number,
  input: NeedDetailsInput & { slug?: string; currency?: string },
): Promise<{ slug: string }> {
  return db.transaction().execute(async (trx) => {
    const need = await lockNeed(trx, organisationId, needId);
    if (!canEditDetails(need.status)) throw new NeedRuleError("not_editable");
    const slug = input.slug ?? need.slug;
    const currency = input.currency ?? need.currency;
    if ((slug !== need.slug || currency !== need.currency) && !canEditIdentity(need.status)) throw new NeedRuleError("not_editable");
    if (currency !== need.currency) {
      // Unit costs are minor units of the old currency: ¥78,000 would silently become $780.00.
      const item = await trx.selectFrom("items").where("need_id", "=", needId).select("id").limit(1).executeTakeFirst();
      if (item) throw new NeedRuleError("currency_locked");
    }
    try {
      await trx
        .updateTable("needs")
        .set({
          slug,
          currency,
          title: input.title,
          summary: input.summary,
          story: input.story,
          deadline: input.deadline,
          surplus_policy: input.surplusPolicy,
          updated_at: sql`now()`,
        })
        .where("id", "=", needId)
        .execute();
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new NeedRuleError("slug_taken");
      throw error;
    }
    return { slug };
  });
}

/** Adds an item at the end of the list: the goal grows. Allowed after donations too. */
export async function addItem(db: Database, organisationId: number, needId: number, item: ItemInput): Promise<{ id: number }> {
  return db.transaction().execute(async (trx) => {
    const need = await lockNeed(trx, organisationId, needId);
    if (!canAddItems(need.status)) throw new NeedRuleError("not_editable");
    const { last } = await trx
      .selectFrom("items")
      .where("need_id", "=", needId)
      .select(sql<number | null>`max(position)`.as("last"))
      .executeTakeFirstOrThrow();
    return trx
      .insertInto("items")
      .values(itemRow(needId, last === null ? 0 : Number(last) + 1, item))
      .returning("id")
      .executeTakeFirstOrThrow();
  });
}

export async function updateItem(db: Database, organisationId: number, needId: number, itemId: number, item: ItemInput): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const need = await lockNeed(trx, organisationId, needId);
    if (!canChangeItems(need.status)) throw new NeedRuleError("not_editable");
    await requireNoDonations(trx, needId);
    const existing = await lockItem(trx, needId, itemId);
    if (existing.substituted_by_item_id !== null) throw new NeedRuleError("already_substituted");
    await trx
      .updateTable("items")
      .set({ name: item.name, description: item.description, quantity: item.quantity, unit_cost: item.unitCost })
      .where("id", "=", itemId)
      .execute();
  });
}

export async function removeItem(db: Database, organisationId: number, needId: number, itemId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const need = await lockNeed(trx, organisationId, needId);
    if (!canChangeItems(need.status)) throw new NeedRuleError("not_editable");
    await requireNoDonations(trx, needId);
    await lockItem(trx, needId, itemId);
    // Removing a replacement restores the item it replaced (no donor has seen either yet).
    await trx.updateTable("items").set({ substituted_by_item_id: null }).where("substituted_by_item_id", "=", itemId).execute();
    await trx.deleteFrom("items").where("id", "=", itemId).execute();
  });
}

/**
 * Swaps an item with its neighbour. Order decides which items general gifts fill first, so
 * it is fixed once donations exist. NOTE: items_need_position_key is DEFERRABLE; deferring it
 * lets the two rows pass through a moment where both hold the same position.
 * https://www.postgresql.org/docs/current/sql-set-constraints.html
 */
export async function moveItem(db: Database, organisationId: number, needId: number, itemId: number, direction: "up" | "down"): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const need = await lockNeed(trx, organisationId, needId);
    if (!canChangeItems(need.status)) throw new NeedRuleError("not_editable");
    await requireNoDonations(trx, needId);
    const item = await lockItem(trx, needId, itemId);
    const neighbour = await trx
      .selectFrom("items")
      .where("need_id", "=", needId)
      .where("position", direction === "up" ? "<" : ">", item.position)
      .orderBy("position", direction === "up" ? "desc" : "asc")
      .select(["id", "position"])
      .limit(1)
      .executeTakeFirst();
    if (!neighbour) throw new NeedRuleError("cannot_move");
    await sql`SET CONSTRAINTS items_need_position_key DEFERRED`.execute(trx);
    await trx.updateTable("items").set({ position: neighbour.position }).where("id", "=", item.id).execute();
    await trx.updateTable("items").set({ position: item.position }).where("id", "=", neighbour.id).execute();
  });
}

/**
 * Replaces an item by a new one placed right after it. The old item stays on the page,
 * struck through, so donors still see what they gave to; it leaves the goal.
 */
export async function substituteItem(
  db: Database,
  organisationId: number,
  needId: number,
  itemId: number,
  replacement: ItemInput,
): Promise<{ id: number }> {
  return db.transaction().execute(async (trx) => {
    const need = await lockNeed(trx, organisationId, needId);
    if (!canSubstituteItems(need.status)) throw new NeedRuleError("not_editable");
    const item = await lockItem(trx, needId, itemId);
    if (item.substituted_by_item_id !== null) throw new NeedRuleError("already_substituted");
    await sql`SET CONSTRAINTS items_need_position_key DEFERRED`.execute(trx);
    await trx
      .updateTable("items")
      .set({ position: sql`position + 1` })
      .where("need_id", "=", needId)
      .where("position", ">", item.position)
      .execute();
    const inserted = await trx.insertInto("items").values(itemRow(needId, item.position + 1, replacement)).returning("id").executeTakeFirstOrThrow();
    await trx.updateTable("items").set({ substituted_by_item_id: inserted.id }).where("id", "=", item.id).execute();
    return inserted;
  });
}

/**
 * One lifecycle step as a conditional UPDATE: it changes the row only if the need is still in
 * `from`, so of two racing transitions exactly one wins and the other gets "conflict".
 * Takes a transaction (or the database) so the donations code can set `funded` inside its own.
 */
export async function applyTransition(
  db: Kysely<DB>,
  needId: number,
  from: NeedStatus,
  to: NeedStatus,
  actor: LifecycleActor,
): Promise<void> {
  if (!canTransition(from, to, actor)) throw new NeedRuleError("illegal_transition");
  const updated = await db
    .updateTable("needs")
    .set({
      status: to,
      updated_at: sql`now()`,
      ...(to === "live" ? { published_at: sql`coalesce(published_at, now())` } : {}),
      ...(to === "funded" ? { funded_at: sql`coalesce(funded_at, now())` } : {}),
      // When each later step happened, for the need's timeline (the first time counts).
      ...(to === "purchased" ? { purchased_at: sql`coalesce(purchased_at, now())` } : {}),
      ...(to === "delivered" ? { delivered_at: sql`coalesce(delivered_at, now())` } : {}),
      ...(to === "closed" ? { closed_at: sql`coalesce(closed_at, now())` } : {}),
    })
    .where("id", "=", needId)
    .where("status", "=", from)
    .returning("id")
    .executeTakeFirst();
  if (!updated) throw new NeedRuleError("conflict");
}

/**
 * An organiser's (or the system's) lifecycle step. `from` is the status the organiser saw:
 * if the need has moved on since, the step is refused as a conflict rather than applied to
 * a state nobody looked at. Publishing needs at least one item that counts toward the goal,
 * and an organisation whose Stripe account can accept charges.
 */
export async function transitionNeed(
  db: Database,
  input: { organisationId: number; needId: number; to: NeedStatus; from?: NeedStatus; actor?: LifecycleActor },
): Promise<{ from: NeedStatus; to: NeedStatus }> {
  return db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom("needs")
      .where("id", "=", input.needId)
      .where("organisation_id", "=", input.organisationId)
      .select("status")
      .executeTakeFirst();
    if (!current) throw new NeedRuleError("not_found");
    const from = input.from ?? current.status;
    await applyTransition(trx, input.needId, from, input.to, input.actor ?? "organiser");
    if (input.to === "live") {
      // Checked after the UPDATE, which holds the row lock that item changes also take:
      // the last item cannot be removed between this check and the commit.
      const item = await trx
        .selectFrom("items")
        .where("need_id", "=", input.needId)
        .where("substituted_by_item_id", "is", null)
        .select("id")
        .limit(1)
        .executeTakeFirst();
      if (!item) throw new NeedRuleError("no_items");
      // A live need takes donations, which are direct charges on the organisation's own
      // Stripe account (issue 5): publishing waits until Stripe lets that account take charges.
      const organisation = await trx
        .selectFrom("organisations")
        .where("id", "=", input.organisationId)
        .select("charges_enabled")
        .executeTakeFirst();
      if (!organisation?.charges_enabled) throw new NeedRuleError("payments_not_ready");
    }
    return { from, to: input.to };
  });
}
