import type { Database } from "~/db.server";
import { renderMarkdown } from "~/markdown.server";
import { PUBLIC_STATUSES } from "./needs.server";
import type { LifecycleStep, NeedStatus } from "./schema";

/**
 * What visitors may read of updates: published (published_at set) and not deleted, of needs
 * that are public. Drafts, deleted updates and the updates of draft or cancelled needs never
 * leave this file. Also the need's lifecycle milestones and the data of the Atom feeds.
 */

/** The steps of a need's life as the timeline shows them, in order. `published` is `live`. */
export const TIMELINE_STEPS = ["published", "funded", "purchased", "delivered", "closed"] as const;
export type TimelineStep = (typeof TIMELINE_STEPS)[number];

const STEP_OF_STATUS: Partial<Record<NeedStatus, TimelineStep>> = {
  live: "published",
  funded: "funded",
  purchased: "purchased",
  delivered: "delivered",
  closed: "closed",
};

export interface PublicUpdate {
  id: number;
  needId: number | null;
  title: string;
  /** Markdown as written; render it with renderMarkdown before it reaches a page or feed. */
  body: string;
  /** When it happened: 'YYYY-MM-DD'. */
  eventDate: string;
  /** When it was posted. */
  publishedAt: Date;
  editedAt: Date | null;
  lifecycleStep: LifecycleStep | null;
  spendNote: string;
}

function publishedUpdates(db: Database) {
  return db
    .selectFrom("updates as u")
    .where("u.published_at", "is not", null)
    .where("u.deleted_at", "is", null)
    .select(["u.id", "u.need_id", "u.title", "u.body", "u.event_date", "u.published_at", "u.edited_at", "u.lifecycle_step", "u.spend_note"]);
}

type UpdateRow = {
  id: number;
  need_id: number | null;
  title: string;
  body: string;
  event_date: string;
  published_at: Date | null;
  edited_at: Date | null;
  lifecycle_step: LifecycleStep | null;
  spend_note: string;
};

const toPublicUpdate = (row: UpdateRow): PublicUpdate => ({
  id: row.id,
  needId: row.need_id,
  title: row.title,
  body: row.body,
  eventDate: row.event_date,
  publishedAt: row.published_at!,
  editedAt: row.edited_at,
  lifecycleStep: row.lifecycle_step,
  spendNote: row.spend_note,
});

/**
 * A need's published updates, newest EVENT first: an update posted today about something that
 * happened last month sits below news of last week. Ties (same day) go by publish time, then id,
 * so the order is total and the same on every page load.
 */
export async function listNeedUpdates(db: Database, needId: number): Promise<PublicUpdate[]> {
  const rows = await publishedUpdates(db)
    .where("u.need_id", "=", needId)
    .orderBy("u.event_date", "desc")
    .orderBy("u.published_at", "desc")
    .orderBy("u.id", "desc")
    .execute();
  return rows.map(toPublicUpdate);
}

/** The organisation's own updates (need_id null), in the same order as a need's. */
export async function listOrganisationWideUpdates(db: Database, organisationId: number): Promise<PublicUpdate[]> {
  const rows = await publishedUpdates(db)
    .where("u.organisation_id", "=", organisationId)
    .where("u.need_id", "is", null)
    .orderBy("u.event_date", "desc")
    .orderBy("u.published_at", "desc")
    .orderBy("u.id", "desc")
    .limit(100)
    .execute();
  return rows.map(toPublicUpdate);
}

export interface NeedMilestones {
  status: NeedStatus;
  publishedAt: Date | null;
  fundedAt: Date | null;
  purchasedAt: Date | null;
  deliveredAt: Date | null;
  closedAt: Date | null;
}

export async function getNeedMilestones(db: Database, needId: number): Promise<NeedMilestones | undefined> {
  const row = await db
    .selectFrom("needs")
    .where("id", "=", needId)
    .select(["status", "published_at", "funded_at", "purchased_at", "delivered_at", "closed_at"])
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    status: row.status,
    publishedAt: row.published_at,
    fundedAt: row.funded_at,
    purchasedAt: row.purchased_at,
    deliveredAt: row.delivered_at,
    closedAt: row.closed_at,
  };
}

// ---------------------------------------------------------------------------------------
// The timeline as the page renders it: plain, serialisable data (ISO strings, sanitised HTML).
// ---------------------------------------------------------------------------------------

export interface TimelineUpdateEntry {
  kind: "update";
  id: number;
  /** The event date, 'YYYY-MM-DD'. */
  date: string;
  title: string;
  /** Sanitised HTML (renderMarkdown). */
  html: string;
  lifecycleStep: LifecycleStep | null;
  spendNote: string;
  publishedAt: string;
  editedAt: string | null;
}

export interface TimelineMilestoneEntry {
  kind: "milestone";
  step: TimelineStep;
  /** 'YYYY-MM-DD' (UTC) of the step. */
  date: string;
  at: string;
}

export type TimelineEntry = TimelineUpdateEntry | TimelineMilestoneEntry;

export interface TrackStep {
  step: TimelineStep;
  done: boolean;
  /** The step the need is at now. */
  current: boolean;
  /** When it happened ('YYYY-MM-DD'), if known. */
  date: string | null;
}

export interface TimelineData {
  entries: TimelineEntry[];
  /** The lifecycle as a progress track; null for an organisation's timeline. */
  track: TrackStep[] | null;
  /** A completed need: the page stays up as a record. */
  completed: boolean;
}

const dayOf = (date: Date) => date.toISOString().slice(0, 10);

/** One update as the timeline shows it; the dashboard's preview uses it too, so a draft looks exactly as it will. */
export function updateEntry(update: Omit<PublicUpdate, "needId">): TimelineUpdateEntry {
  return {
    kind: "update",
    id: update.id,
    date: update.eventDate,
    title: update.title,
    html: renderMarkdown(update.body),
    lifecycleStep: update.lifecycleStep,
    spendNote: update.spendNote,
    publishedAt: update.publishedAt.toISOString(),
    editedAt: update.editedAt ? update.editedAt.toISOString() : null,
  };
}

/** Newest first by day; on one day the later instant first; then the later lifecycle step or the higher id. */
function compareEntries(a: TimelineEntry, b: TimelineEntry): number {
  if (a.date !== b.date) return a.date < b.date ? 1 : -1;
  const atA = a.kind === "update" ? a.publishedAt : a.at;
  const atB = b.kind === "update" ? b.publishedAt : b.at;
  if (atA !== atB) return atA < atB ? 1 : -1;
  const rank = (e: TimelineEntry) => (e.kind === "update" ? TIMELINE_STEPS.length : TIMELINE_STEPS.indexOf(e.step));
  if (rank(a) !== rank(b)) return rank(b) - rank(a);
  return a.kind === "update" && b.kind === "update" ? b.id - a.id : 0;
}

/**
 * Updates and milestones in one list, plus the progress track. Pure, so the rules are tested
 * without a database. A lifecycle step announced by a published update is shown once, as that
 * update with its step badge and the date the organisers gave it, not a second time as a bare
 * milestone. Timestamps become days in UTC, like every other date on the site.
 */
export function buildNeedTimeline(updates: PublicUpdate[], milestones: NeedMilestones): TimelineData {
  const entries: TimelineEntry[] = updates.map(updateEntry);
  const announced = new Map<TimelineStep, string>();
  // Updates come newest first; the earliest announcement of a step is its date.
  for (const update of updates) if (update.lifecycleStep) announced.set(update.lifecycleStep, update.eventDate);

  const at: Record<TimelineStep, Date | null> = {
    published: milestones.publishedAt,
    funded: milestones.fundedAt,
    purchased: milestones.purchasedAt,
    delivered: milestones.deliveredAt,
    closed: milestones.closedAt,
  };
  const reached = STEP_OF_STATUS[milestones.status];
  const reachedIndex = reached ? TIMELINE_STEPS.indexOf(reached) : -1;

  for (const step of TIMELINE_STEPS) {
    const when = at[step];
    if (!when || announced.has(step)) continue;
    entries.push({ kind: "milestone", step, date: dayOf(when), at: when.toISOString() });
  }
  entries.sort(compareEntries);

  const track = TIMELINE_STEPS.map((step, index) => {
    const when = at[step];
    return {
      step,
      // The lifecycle only moves forward, so every step up to the current status is done, even
      // for a need that moved on before its steps were dated.
      done: index <= reachedIndex,
      current: index === reachedIndex,
      date: index <= reachedIndex ? (announced.get(step) ?? (when ? dayOf(when) : null)) : null,
    };
  });
  return { entries, track, completed: milestones.status === "closed" };
}

/** The organisation's own updates: no milestones and no track. */
export function buildOrganisationTimeline(updates: PublicUpdate[]): TimelineData {
  return { entries: updates.map(updateEntry), track: null, completed: false };
}

/** Everything the need page's timeline shows (the need must exist; the caller decided it may be seen). */
export async function getNeedTimeline(db: Database, needId: number): Promise<TimelineData> {
  const [updates, milestones] = await Promise.all([listNeedUpdates(db, needId), getNeedMilestones(db, needId)]);
  if (!milestones) return { entries: [], track: null, completed: false };
  return buildNeedTimeline(updates, milestones);
}

export async function getOrganisationTimeline(db: Database, organisationId: number): Promise<TimelineData> {
  return buildOrganisationTimeline(await listOrganisationWideUpdates(db, organisationId));
}

// ---------------------------------------------------------------------------------------
// Feeds
// ---------------------------------------------------------------------------------------

export interface FeedUpdate extends PublicUpdate {
  /** The need it is about; null for an organisation-wide update. */
  need: { slug: string; title: string } | null;
}

export interface FeedData {
  kind: "need" | "organisation";
  /** The need's or the organisation's id: the feed's stable identity. */
  id: number;
  slug: string;
  /** The need's title, or the organisation's name. */
  title: string;
  organisation: { name: string; slug: string };
  /** When the feed last changed: its newest entry, else when the need or organisation began. */
  updatedAt: Date;
  /** Newest posted first: a feed reader wants what is new. */
  entries: FeedUpdate[];
}

const FEED_LIMIT = 50;

function feedUpdates(db: Database) {
  return publishedUpdates(db)
    .leftJoin("needs as n", "n.id", "u.need_id")
    .select(["n.slug as need_slug", "n.title as need_title"])
    .orderBy("u.published_at", "desc")
    .orderBy("u.id", "desc")
    .limit(FEED_LIMIT);
}

function feedEntry(row: UpdateRow & { need_slug: string | null; need_title: string | null }): FeedUpdate {
  return {
    ...toPublicUpdate(row),
    need: row.need_slug !== null && row.need_title !== null ? { slug: row.need_slug, title: row.need_title } : null,
  };
}

/** The newest entry's time (an edit counts), or `fallback` for a feed with no entries yet. */
function latest(entries: FeedUpdate[], fallback: Date): Date {
  const times = entries.map((e) => (e.editedAt && e.editedAt > e.publishedAt ? e.editedAt : e.publishedAt));
  return times.length === 0 ? fallback : new Date(Math.max(...times.map((t) => t.getTime())));
}

/** A public need's feed: its own published updates. Undefined for drafts, cancelled and unknown needs. */
export async function getNeedFeed(db: Database, slug: string): Promise<FeedData | undefined> {
  const need = await db
    .selectFrom("needs")
    .innerJoin("organisations as o", "o.id", "needs.organisation_id")
    .where("needs.slug", "=", slug)
    .where("needs.status", "in", PUBLIC_STATUSES)
    .select(["needs.id", "needs.slug", "needs.title", "needs.published_at", "needs.created_at", "o.name as organisation_name", "o.slug as organisation_slug"])
    .executeTakeFirst();
  if (!need) return undefined;
  const rows = await feedUpdates(db).where("u.need_id", "=", need.id).execute();
  const entries = rows.map(feedEntry);
  return {
    kind: "need",
    id: need.id,
    slug: need.slug,
    title: need.title,
    organisation: { name: need.organisation_name, slug: need.organisation_slug },
    updatedAt: latest(entries, need.published_at ?? need.created_at),
    entries,
  };
}

/**
 * An organisation's feed: its organisation-wide updates AND the updates of its public needs,
 * so one subscription in a feed reader follows everything the organisation reports. Updates of
 * draft or cancelled needs stay out, as those needs' pages do.
 */
export async function getOrganisationFeed(db: Database, slug: string): Promise<FeedData | undefined> {
  const organisation = await db.selectFrom("organisations").where("slug", "=", slug).select(["id", "slug", "name", "created_at"]).executeTakeFirst();
  if (!organisation) return undefined;
  const rows = await feedUpdates(db)
    .where("u.organisation_id", "=", organisation.id)
    .where((eb) =>
      eb.or([
        eb("u.need_id", "is", null),
        eb.and([eb("n.organisation_id", "=", organisation.id), eb("n.status", "in", PUBLIC_STATUSES)]),
      ]),
    )
    .execute();
  const entries = rows.map(feedEntry);
  return {
    kind: "organisation",
    id: organisation.id,
    slug: organisation.slug,
    title: organisation.name,
    organisation: { name: organisation.name, slug: organisation.slug },
    updatedAt: latest(entries, organisation.created_at),
    entries,
  };
}
