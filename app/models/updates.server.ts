import { sql } from "kysely";
import type { Database } from "~/db.server";
import { canTransition } from "~/need-lifecycle";
import { applyTransition, NeedRuleError, PUBLIC_STATUSES } from "./needs.server";
import { enqueueEmail, OutboxEnqueueError } from "./outbox.server";
import type { LifecycleStep, Locale, NeedStatus } from "./schema";

/**
 * Organisers' dated updates (issue 6): drafts, publishing (with an optional lifecycle step and
 * the new-update emails, in one transaction), edits and soft deletes, and what the dashboard
 * reads. What visitors may read lives in timeline.server.ts.
 */

export type UpdateRuleCode =
  /** No such update in this organisation (or it was deleted). */
  | "not_found"
  /** The chosen need is not one of this organisation's public needs. */
  | "need_not_available"
  /** The need's status cannot move to the update's lifecycle step (any more). */
  | "illegal_step"
  /** A lifecycle step needs a need; an organisation-wide update has none. */
  | "step_needs_need"
  /** Publishing (and saving a published update) needs the organiser's confirmation. */
  | "consent_required";

export class UpdateRuleError extends Error {
  constructor(readonly code: UpdateRuleCode) {
    super(`Update refused: ${code}`);
    this.name = "UpdateRuleError";
  }
}

/** What the form writes. */
export interface UpdateContent {
  /** null: about the whole organisation. */
  needId: number | null;
  title: string;
  body: string;
  /** When it happened, 'YYYY-MM-DD'. */
  eventDate: string;
  lifecycleStep: LifecycleStep | null;
  /** Only kept with the purchased or delivered step. */
  spendNote: string;
  consentConfirmed: boolean;
}

export interface DashboardUpdate {
  id: number;
  needId: number | null;
  needSlug: string | null;
  needTitle: string | null;
  needStatus: NeedStatus | null;
  title: string;
  body: string;
  eventDate: string;
  publishedAt: Date | null;
  editedAt: Date | null;
  createdAt: Date;
  lifecycleStep: LifecycleStep | null;
  spendNote: string;
  consentConfirmed: boolean;
}

/** A need an update can be about: one of the organisation's public needs. */
export interface UpdateNeedChoice {
  id: number;
  slug: string;
  title: string;
  status: NeedStatus;
}

// A spend note says what the money bought: it belongs to the purchase or the delivery.
const SPEND_NOTE_STEPS: readonly LifecycleStep[] = ["purchased", "delivered"];
const spendNoteFor = (step: LifecycleStep | null, note: string) => (step && SPEND_NOTE_STEPS.includes(step) ? note.trim() : "");

/** The columns the form writes, as a draft stores them: one place, so create, save and publish store the same. */
const contentColumns = (content: UpdateContent) => ({
  need_id: content.needId,
  title: content.title,
  body: content.body,
  event_date: content.eventDate,
  lifecycle_step: content.lifecycleStep,
  spend_note: spendNoteFor(content.lifecycleStep, content.spendNote),
});

function dashboardQuery(db: Database) {
  return db
    .selectFrom("updates as u")
    .leftJoin("needs as n", "n.id", "u.need_id")
    .where("u.deleted_at", "is", null)
    .select([
      "u.id",
      "u.need_id",
      "n.slug as need_slug",
      "n.title as need_title",
      "n.status as need_status",
      "u.title",
      "u.body",
      "u.event_date",
      "u.published_at",
      "u.edited_at",
      "u.created_at",
      "u.lifecycle_step",
      "u.spend_note",
      "u.consent_confirmed",
    ]);
}

type DashboardRow = Awaited<ReturnType<ReturnType<typeof dashboardQuery>["executeTakeFirstOrThrow"]>>;

const toDashboardUpdate = (row: DashboardRow): DashboardUpdate => ({
  id: row.id,
  needId: row.need_id,
  needSlug: row.need_slug,
  needTitle: row.need_title,
  needStatus: row.need_status,
  title: row.title,
  body: row.body,
  eventDate: row.event_date,
  publishedAt: row.published_at,
  editedAt: row.edited_at,
  createdAt: row.created_at,
  lifecycleStep: row.lifecycle_step,
  spendNote: row.spend_note,
  consentConfirmed: row.consent_confirmed,
});

/** Every update of the organisation that is not deleted: drafts first (newest first), then published ones by event date. */
export async function listDashboardUpdates(db: Database, organisationId: number): Promise<DashboardUpdate[]> {
  const rows = await dashboardQuery(db)
    .where("u.organisation_id", "=", organisationId)
    .orderBy(sql`u.published_at IS NULL`, "desc")
    .orderBy(sql`CASE WHEN u.published_at IS NULL THEN u.created_at END`, (ob) => ob.desc().nullsLast())
    .orderBy("u.event_date", "desc")
    .orderBy("u.published_at", "desc")
    .orderBy("u.id", "desc")
    .execute();
  return rows.map(toDashboardUpdate);
}

/** One update of the organisation, or undefined (another organisation's, deleted, or none). */
export async function getDashboardUpdate(db: Database, organisationId: number, updateId: number): Promise<DashboardUpdate | undefined> {
  const row = await dashboardQuery(db).where("u.organisation_id", "=", organisationId).where("u.id", "=", updateId).executeTakeFirst();
  return row ? toDashboardUpdate(row) : undefined;
}

/**
 * The needs an update can be about: the organisation's public needs. Updates of drafts or
 * cancelled needs would never be shown (timeline.server.ts hides them), yet would still email.
 */
export async function listUpdateNeedChoices(db: Database, organisationId: number): Promise<UpdateNeedChoice[]> {
  return db
    .selectFrom("needs")
    .where("organisation_id", "=", organisationId)
    .where("status", "in", PUBLIC_STATUSES)
    .select(["id", "slug", "title", "status"])
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .execute();
}

/** The need an update is about, if it is one of the organisation's public needs. */
async function availableNeed(db: Database, organisationId: number, needId: number) {
  return db
    .selectFrom("needs")
    .where("id", "=", needId)
    .where("organisation_id", "=", organisationId)
    .where("status", "in", PUBLIC_STATUSES)
    .select(["id", "slug", "title", "status"])
    .executeTakeFirst();
}

/**
 * Checks need and step against the need as it is now. Advisory for drafts (the need may move
 * on before publishing, which checks again under the transition's conditional UPDATE).
 */
async function checkNeedAndStep(db: Database, organisationId: number, content: Pick<UpdateContent, "needId" | "lifecycleStep">) {
  if (content.needId === null) {
    if (content.lifecycleStep) throw new UpdateRuleError("step_needs_need");
    return null;
  }
  const need = await availableNeed(db, organisationId, content.needId);
  if (!need) throw new UpdateRuleError("need_not_available");
  if (content.lifecycleStep && !canTransition(need.status, content.lifecycleStep, "organiser")) throw new UpdateRuleError("illegal_step");
  return need;
}

/**
 * A new draft (never published here: publishing is always a conditional UPDATE of a saved row).
 * With a submission key, the same submission arriving twice (a double click, a re-sent POST)
 * gets the draft the first one made: the unique index decides, not a look-up first.
 */
export async function createUpdateDraft(
  db: Database,
  input: { organisationId: number; authorId: number | null; content: UpdateContent; submissionKey?: string | null },
): Promise<{ id: number; repeated: boolean }> {
  const { content } = input;
  const submissionKey = input.submissionKey ?? null;
  return db.transaction().execute(async (trx) => {
    await checkNeedAndStep(trx, input.organisationId, content);
    const created = await trx
      .insertInto("updates")
      .values({
        organisation_id: input.organisationId,
        ...contentColumns(content),
        author_id: input.authorId,
        consent_confirmed: content.consentConfirmed,
        submission_key: submissionKey,
      })
      .onConflict((oc) => oc.columns(["organisation_id", "submission_key"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    if (created) return { id: created.id, repeated: false };
    // The conflicting row is committed (the insert waited for it), so this read sees it.
    const first = await trx
      .selectFrom("updates")
      .where("organisation_id", "=", input.organisationId)
      .where("submission_key", "=", submissionKey)
      .select("id")
      .executeTakeFirstOrThrow();
    return { id: first.id, repeated: true };
  });
}

/**
 * Saves the form over an update. A draft takes every field. A published update keeps its need
 * and lifecycle step (the step already moved the need, and its emails went to that need's
 * backers), needs the consent confirmation again (the new text is public at once), and is
 * marked edited. Nothing is ever emailed by an edit. The row is locked first, so a publish
 * racing this save is seen either before or after, never halfway.
 */
export async function saveUpdate(
  db: Database,
  input: { organisationId: number; updateId: number; content: UpdateContent },
): Promise<{ published: boolean }> {
  const { content } = input;
  return db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom("updates")
      .where("id", "=", input.updateId)
      .where("organisation_id", "=", input.organisationId)
      .where("deleted_at", "is", null)
      .select(["published_at", "lifecycle_step"])
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw new UpdateRuleError("not_found");
    if (current.published_at === null) {
      await checkNeedAndStep(trx, input.organisationId, content);
      await trx
        .updateTable("updates")
        .set({
          ...contentColumns(content),
          consent_confirmed: content.consentConfirmed,
        })
        .where("id", "=", input.updateId)
        .execute();
      return { published: false };
    }
    if (!content.consentConfirmed) throw new UpdateRuleError("consent_required");
    await trx
      .updateTable("updates")
      .set({
        title: content.title,
        body: content.body,
        event_date: content.eventDate,
        spend_note: spendNoteFor(current.lifecycle_step, content.spendNote),
        consent_confirmed: true,
        // Every edit after publishing: the public page says "edited" and when.
        edited_at: sql`now()`,
      })
      .where("id", "=", input.updateId)
      .execute();
    return { published: true };
  });
}

export type PublishResult =
  | { outcome: "published"; queued: number }
  /** Someone (a double click, another tab) published it first: nothing was done again. */
  | { outcome: "already_published" };

/**
 * Publishes a draft in ONE transaction: a conditional UPDATE (… WHERE published_at IS NULL) that
 * only one caller can win, so a double click or two tabs make one publish and one round of
 * emails; the update's lifecycle step, applied to the need in the same transaction (refused →
 * nothing is published); then one new-update email per subscribed address, queued in the
 * outbox in the same transaction. `content`, when given (the edit form's publish button), is
 * written by the same UPDATE. `consentConfirmed` must be true: the organiser ticked the box.
 */
export async function publishUpdate(
  db: Database,
  input: { organisationId: number; updateId: number; appUrl: string; consentConfirmed: boolean; content?: UpdateContent },
): Promise<PublishResult> {
  if (!input.consentConfirmed || (input.content && !input.content.consentConfirmed)) throw new UpdateRuleError("consent_required");
  const { content } = input;
  return db.transaction().execute(async (trx) => {
    const won = await trx
      .updateTable("updates")
      .set({
        published_at: sql`now()`,
        consent_confirmed: true,
        ...(content ? contentColumns(content) : {}),
      })
      .where("id", "=", input.updateId)
      .where("organisation_id", "=", input.organisationId)
      .where("published_at", "is", null)
      .where("deleted_at", "is", null)
      .returning(["id", "need_id", "title", "body", "event_date", "lifecycle_step", "spend_note"])
      .executeTakeFirst();
    if (!won) {
      const exists = await trx
        .selectFrom("updates")
        .where("id", "=", input.updateId)
        .where("organisation_id", "=", input.organisationId)
        .where("deleted_at", "is", null)
        .select("published_at")
        .executeTakeFirst();
      if (!exists) throw new UpdateRuleError("not_found");
      return { outcome: "already_published" } as const;
    }

    const organisation = await trx
      .selectFrom("organisations")
      .where("id", "=", input.organisationId)
      .select(["name", "slug"])
      .executeTakeFirstOrThrow();
    let need: { id: number; slug: string; title: string; status: NeedStatus } | null = null;
    if (won.need_id !== null) {
      need = (await availableNeed(trx, input.organisationId, won.need_id)) ?? null;
      if (!need) throw new UpdateRuleError("need_not_available");
      if (won.lifecycle_step) {
        if (!canTransition(need.status, won.lifecycle_step, "organiser")) throw new UpdateRuleError("illegal_step");
        try {
          // Conditional on the status we just read: a need that moved meanwhile refuses, and the
          // throw rolls the publish back with it.
          await applyTransition(trx, need.id, need.status, won.lifecycle_step, "organiser");
        } catch (error) {
          if (error instanceof NeedRuleError) throw new UpdateRuleError("illegal_step");
          throw error;
        }
      }
    } else if (won.lifecycle_step) {
      throw new UpdateRuleError("step_needs_need");
    }

    const recipients = await updateRecipients(trx, { organisationId: input.organisationId, needId: won.need_id });
    const updateUrl = input.appUrl + publicUpdatePath({ id: won.id, needSlug: need?.slug ?? null }, organisation.slug);
    const props = {
      organisationName: organisation.name,
      needTitle: need?.title ?? null,
      updateTitle: won.title,
      eventDate: won.event_date,
      body: won.body,
      lifecycleStep: won.lifecycle_step,
      spendNote: won.spend_note,
      updateUrl,
    };
    let queued = 0;
    for (const recipient of recipients) {
      try {
        const created = await enqueueEmail(trx, {
          kind: "new-update",
          to: recipient.email,
          locale: recipient.locale,
          props,
          idempotencyKey: `update:${won.id}:${recipient.email.trim().toLowerCase()}`,
          subscriptionId: recipient.subscriptionId,
          // One fan-out: the worker sends these through the provider's batch endpoint.
          batchKey: `update:${won.id}`,
        });
        if (created) queued += 1;
      } catch (error) {
        // An address the outbox refuses (checked before any SQL, so the transaction is intact)
        // costs that one email, not the update.
        if (!(error instanceof OutboxEnqueueError)) throw error;
      }
    }
    return { outcome: "published", queued } as const;
  });
}

export interface UpdateRecipient {
  subscriptionId: number;
  email: string;
  locale: Locale;
}

/**
 * Who hears about an update: the active subscriptions of its need (backers who opted in,
 * confirmed followers) and of its whole organisation (need_id null); for an organisation-wide
 * update only the latter. One per address (lower(email)), preferring the need's subscription
 * (its unsubscribe link is the narrower one). Pending and unsubscribed subscriptions are left
 * out, and so are addresses suppressed for any scope that covers the update; the worker checks
 * suppressions again at send time, for those that arrive while the email waits.
 */
export async function updateRecipients(db: Database, scope: { organisationId: number; needId: number | null }): Promise<UpdateRecipient[]> {
  const suppressionScopes = ["all", `organisation:${scope.organisationId}`];
  if (scope.needId !== null) suppressionScopes.push(`need:${scope.needId}`);
  const rows = await db
    .selectFrom("subscriptions as s")
    .where("s.organisation_id", "=", scope.organisationId)
    .where("s.status", "=", "active")
    .where((eb) => (scope.needId === null ? eb("s.need_id", "is", null) : eb.or([eb("s.need_id", "is", null), eb("s.need_id", "=", scope.needId)])))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom("email_suppressions as e")
            .select("e.id")
            .where(sql<boolean>`lower(e.email) = lower(s.email)`)
            .where("e.scope", "in", suppressionScopes),
        ),
      ),
    )
    .distinctOn(sql`lower(s.email)`)
    .select(["s.id", "s.email", "s.locale"])
    .orderBy(sql`lower(s.email)`)
    .orderBy(sql`s.need_id IS NULL`)
    .orderBy("s.id")
    .execute();
  return rows.map((row) => ({ subscriptionId: row.id, email: row.email, locale: row.locale }));
}

/** Where an update is (or will be) on the public site: its need's page or its organisation's, at its anchor. */
export function publicUpdatePath(update: { id: number; needSlug: string | null }, orgSlug: string): string {
  return update.needSlug
    ? `/needs/${encodeURIComponent(update.needSlug)}#update-${update.id}`
    : `/orgs/${encodeURIComponent(orgSlug)}#update-${update.id}`;
}

/** Soft delete: the update leaves every public page and feed; a lifecycle step it applied stays. */
export async function deleteUpdate(db: Database, organisationId: number, updateId: number): Promise<boolean> {
  const row = await db
    .updateTable("updates")
    .set({ deleted_at: sql`now()` })
    .where("id", "=", updateId)
    .where("organisation_id", "=", organisationId)
    .where("deleted_at", "is", null)
    .returning("id")
    .executeTakeFirst();
  return Boolean(row);
}
