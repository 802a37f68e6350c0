import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderEmail } from "~/email/render.server";
import { transitionNeed } from "~/models/needs.server";
import { createSubscription, unsubscribe } from "~/models/subscriptions.server";
import { addSuppression } from "~/models/suppressions.server";
import { listNeedUpdates } from "~/models/timeline.server";
import {
  createUpdateDraft,
  deleteUpdate,
  getDashboardUpdate,
  listDashboardUpdates,
  publishUpdate,
  saveUpdate,
  UpdateRuleError,
  type UpdateContent,
} from "~/models/updates.server";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { createOrganiser, createTestNeed, type Organiser } from "../support/needs";

let database: TestDatabase;
let owner: Organiser;
let other: Organiser;
const db = () => database.db;
const APP_URL = "https://tomoni.example";

beforeAll(async () => {
  database = await createTestDatabase();
  owner = await createOrganiser(database.db, { orgName: "Yodogawa Refuge Network" });
  other = await createOrganiser(database.db, { orgName: "Another group" });
});
afterAll(async () => {
  await database?.destroy();
});

let counter = 0;
const address = (name: string) => `${name}-${++counter}@example.org`;

const content = (extra: Partial<UpdateContent> = {}): UpdateContent => ({
  needId: null,
  title: "A man was granted provisional release",
  body: "He will live in the shelter from 29 January: the fridge is now urgent.",
  eventDate: "2026-01-25",
  lifecycleStep: null,
  spendNote: "",
  consentConfirmed: false,
  ...extra,
});

async function draft(organisationId: number, extra: Partial<UpdateContent> = {}) {
  return (await createUpdateDraft(db(), { organisationId, authorId: owner.userId, content: content(extra) })).id;
}

const publish = (updateId: number, organisationId = owner.organisationId) =>
  publishUpdate(db(), { organisationId, updateId, appUrl: APP_URL, consentConfirmed: true });

const emailsOf = (updateId: number) =>
  db()
    .selectFrom("outbox_emails")
    .where("batch_key", "=", `update:${updateId}`)
    .select(["recipient", "locale", "kind", "subscription_id", "idempotency_key", "transactional", "props"])
    .orderBy("recipient")
    .execute();

const needStatus = async (id: number) => (await db().selectFrom("needs").where("id", "=", id).select(["status", "purchased_at"]).executeTakeFirstOrThrow());

async function fundedNeed(organisationId = owner.organisationId) {
  const need = await createTestNeed(db(), organisationId);
  await transitionNeed(db(), { organisationId, needId: need.id, to: "funded", actor: "system" });
  return need;
}

describe(`publishing an update on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("emails each opted-in backer and confirmed follower once (need and organisation subscribers, deduplicated), never the unsubscribed, pending or suppressed", async () => {
    const need = await createTestNeed(db(), owner.organisationId);
    const otherNeed = await createTestNeed(db(), owner.organisationId);
    const organisationId = owner.organisationId;

    const backer = await createSubscription(db(), { email: address("backer"), organisationId, needId: need.id, source: "donation" });
    const japanese = await createSubscription(db(), { email: address("hanako"), organisationId, needId: need.id, source: "follow", locale: "ja" });
    const orgFollower = await createSubscription(db(), { email: address("org-follower"), organisationId, source: "follow" });
    // The same address (other case) follows the organisation too: one email, through the need's subscription.
    await createSubscription(db(), { email: backer.email.toUpperCase(), organisationId, source: "follow" });
    // Suppressed for another organisation only: still emailed.
    const elsewhere = await createSubscription(db(), { email: address("elsewhere"), organisationId });
    await addSuppression(db(), { email: elsewhere.email, scope: `organisation:${other.organisationId}`, reason: "unsubscribed" });

    // Never emailed:
    await createSubscription(db(), { email: address("pending"), organisationId, needId: need.id, source: "follow", status: "pending" });
    const leaver = await createSubscription(db(), { email: address("leaver"), organisationId, needId: need.id });
    await unsubscribe(db(), leaver.token);
    const bounced = await createSubscription(db(), { email: address("bounced"), organisationId, needId: need.id });
    await addSuppression(db(), { email: bounced.email.toUpperCase(), scope: "all", reason: "bounced" });
    const needLeaver = await createSubscription(db(), { email: address("need-leaver"), organisationId });
    await addSuppression(db(), { email: needLeaver.email, scope: `need:${need.id}`, reason: "unsubscribed" });
    const orgLeaver = await createSubscription(db(), { email: address("org-leaver"), organisationId, needId: need.id });
    await addSuppression(db(), { email: orgLeaver.email, scope: `organisation:${organisationId}`, reason: "unsubscribed" });
    await createSubscription(db(), { email: address("other-need"), organisationId, needId: otherNeed.id });
    await createSubscription(db(), { email: address("other-org"), organisationId: other.organisationId });

    const id = await draft(organisationId, { needId: need.id });
    expect(await emailsOf(id)).toEqual([]); // a draft emails nobody
    const result = await publish(id);
    expect(result).toEqual({ outcome: "published", queued: 4 });

    const emails = await emailsOf(id);
    expect(emails.map((e) => [e.recipient, e.subscription_id, e.locale])).toEqual(
      [
        [backer.email, backer.id, "en"],
        [elsewhere.email, elsewhere.id, "en"],
        [japanese.email, japanese.id, "ja"],
        [orgFollower.email, orgFollower.id, "en"],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    for (const email of emails) {
      expect(email).toMatchObject({ kind: "new-update", transactional: false, idempotency_key: `update:${id}:${email.recipient.toLowerCase()}` });
      expect(email.props).toMatchObject({
        organisationName: "Yodogawa Refuge Network",
        needTitle: "Refrigerator for the shelter",
        updateTitle: "A man was granted provisional release",
        eventDate: "2026-01-25",
        updateUrl: `${APP_URL}/needs/${need.slug}#update-${id}`,
      });
    }

    // The Japanese follower's email is in Japanese, with the date written for Japanese readers.
    const ja = emails.find((e) => e.recipient === japanese.email)!;
    const rendered = await renderEmail({ kind: ja.kind, locale: ja.locale, props: ja.props, unsubscribeUrl: `${APP_URL}/unsubscribe/${japanese.token}` });
    expect(rendered.subject).toBe("「Refrigerator for the shelter」の活動報告：A man was granted provisional release");
    expect(rendered.text).toContain("2026年1月25日");
    expect(rendered.text).toContain("配信を停止する");
    expect(rendered.html).toContain('lang="ja"');

    const update = await getDashboardUpdate(db(), organisationId, id);
    expect(update?.publishedAt).toBeInstanceOf(Date);
    expect(update?.consentConfirmed).toBe(true);
    expect((await listNeedUpdates(db(), need.id)).map((u) => u.id)).toEqual([id]);
  });

  it("emails an organisation-wide update to the organisation's subscribers only, linking to the organisation page", async () => {
    const fresh = await createOrganiser(db(), { orgName: "Homework club", orgSlug: `homework-${Date.now()}` });
    const need = await createTestNeed(db(), fresh.organisationId);
    const orgFollower = await createSubscription(db(), { email: address("club"), organisationId: fresh.organisationId, source: "follow" });
    await createSubscription(db(), { email: address("need-only"), organisationId: fresh.organisationId, needId: need.id });
    const id = await draft(fresh.organisationId);
    expect(await publish(id, fresh.organisationId)).toEqual({ outcome: "published", queued: 1 });
    const emails = await emailsOf(id);
    expect(emails.map((e) => e.recipient)).toEqual([orgFollower.email]);
    expect(emails[0]!.props).toMatchObject({ needTitle: null, updateUrl: `${APP_URL}/orgs/${fresh.orgSlug}#update-${id}` });
  });

  it("sends nothing when a published update is edited, and marks it edited", async () => {
    const need = await createTestNeed(db(), owner.organisationId);
    await createSubscription(db(), { email: address("reader"), organisationId: owner.organisationId, needId: need.id });
    const id = await draft(owner.organisationId, { needId: need.id });
    await publish(id);
    const before = await db().selectFrom("outbox_emails").select("id").execute();
    expect(await saveUpdate(db(), { organisationId: owner.organisationId, updateId: id, content: content({ needId: need.id, title: "Corrected title", consentConfirmed: true }) })).toEqual({
      published: true,
    });
    expect(await db().selectFrom("outbox_emails").select("id").execute()).toHaveLength(before.length);
    const update = await getDashboardUpdate(db(), owner.organisationId, id);
    expect(update).toMatchObject({ title: "Corrected title" });
    expect(update?.editedAt).toBeInstanceOf(Date);
    // Publishing again is not a second round either.
    expect(await publish(id)).toEqual({ outcome: "already_published" });
    expect(await db().selectFrom("outbox_emails").select("id").execute()).toHaveLength(before.length);
  });

  it("does not mark a draft edited, and asks again for consent to change a published update", async () => {
    const id = await draft(owner.organisationId);
    await saveUpdate(db(), { organisationId: owner.organisationId, updateId: id, content: content({ title: "Still a draft" }) });
    expect((await getDashboardUpdate(db(), owner.organisationId, id))?.editedAt).toBeNull();
    await publish(id);
    await expect(saveUpdate(db(), { organisationId: owner.organisationId, updateId: id, content: content() })).rejects.toMatchObject({ code: "consent_required" });
  });

  it(`publishes once when two publishes race${onPostgres ? "" : " (serialised on PGlite)"}: one update, one round of emails`, async () => {
    const fresh = await createOrganiser(db(), {});
    const need = await createTestNeed(db(), fresh.organisationId);
    for (let i = 0; i < 3; i++) await createSubscription(db(), { email: address("racer"), organisationId: fresh.organisationId, needId: need.id });
    for (let round = 0; round < 4; round++) {
      const id = await draft(fresh.organisationId, { needId: need.id });
      const results = await Promise.all([publish(id, fresh.organisationId), publish(id, fresh.organisationId)]);
      expect(results.map((r) => r.outcome).sort()).toEqual(["already_published", "published"]);
      expect(await emailsOf(id)).toHaveLength(3);
    }
  });

  it("moves the need along with its lifecycle step in the same transaction (funded → purchased)", async () => {
    const need = await fundedNeed();
    const id = await draft(owner.organisationId, { needId: need.id, lifecycleStep: "purchased", spendNote: "Bought for ¥76,800." });
    expect((await needStatus(need.id)).status).toBe("funded"); // a draft moves nothing
    await publish(id);
    const after = await needStatus(need.id);
    expect(after.status).toBe("purchased");
    expect(after.purchased_at).toBeInstanceOf(Date);
    expect(await getDashboardUpdate(db(), owner.organisationId, id)).toMatchObject({ lifecycleStep: "purchased", spendNote: "Bought for ¥76,800." });
  });

  it("refuses a step the need cannot take, publishing nothing and emailing nobody", async () => {
    const need = await fundedNeed();
    await createSubscription(db(), { email: address("waiting"), organisationId: owner.organisationId, needId: need.id });
    // Saving a draft with an impossible step is refused at once.
    await expect(draft(owner.organisationId, { needId: need.id, lifecycleStep: "delivered" })).rejects.toMatchObject({ code: "illegal_step" });
    await expect(draft(owner.organisationId, { lifecycleStep: "purchased" })).rejects.toMatchObject({ code: "step_needs_need" });

    // A draft whose step was possible when written, but the need moved on before publishing.
    const id = await draft(owner.organisationId, { needId: need.id, lifecycleStep: "purchased" });
    await transitionNeed(db(), { organisationId: owner.organisationId, needId: need.id, to: "purchased" });
    await expect(publish(id)).rejects.toBeInstanceOf(UpdateRuleError);
    await expect(publish(id)).rejects.toMatchObject({ code: "illegal_step" });
    expect((await getDashboardUpdate(db(), owner.organisationId, id))?.publishedAt).toBeNull();
    expect(await emailsOf(id)).toEqual([]);
    expect((await needStatus(need.id)).status).toBe("purchased");
  });

  it("keeps spend notes only with the purchased or delivered step", async () => {
    const need = await fundedNeed();
    const id = await draft(owner.organisationId, { needId: need.id, spendNote: "Should not be kept" });
    expect((await getDashboardUpdate(db(), owner.organisationId, id))?.spendNote).toBe("");
  });

  it("needs the consent confirmation to publish", async () => {
    const id = await draft(owner.organisationId);
    await expect(publishUpdate(db(), { organisationId: owner.organisationId, updateId: id, appUrl: APP_URL, consentConfirmed: false })).rejects.toMatchObject({
      code: "consent_required",
    });
    expect((await getDashboardUpdate(db(), owner.organisationId, id))?.publishedAt).toBeNull();
  });

  it("keeps each organisation's updates to itself", async () => {
    const id = await draft(owner.organisationId);
    await expect(publish(id, other.organisationId)).rejects.toMatchObject({ code: "not_found" });
    expect(await getDashboardUpdate(db(), other.organisationId, id)).toBeUndefined();
    expect(await deleteUpdate(db(), other.organisationId, id)).toBe(false);
    const foreignNeed = await createTestNeed(db(), other.organisationId);
    await expect(draft(owner.organisationId, { needId: foreignNeed.id })).rejects.toMatchObject({ code: "need_not_available" });
    const draftNeed = await createTestNeed(db(), owner.organisationId, { publish: false });
    await expect(draft(owner.organisationId, { needId: draftNeed.id })).rejects.toMatchObject({ code: "need_not_available" });
  });

  it("deletes softly: gone from the dashboard and the public timeline, the row kept, never published afterwards", async () => {
    const need = await createTestNeed(db(), owner.organisationId);
    const published = await draft(owner.organisationId, { needId: need.id });
    await publish(published);
    const unpublished = await draft(owner.organisationId, { needId: need.id });
    expect(await deleteUpdate(db(), owner.organisationId, published)).toBe(true);
    expect(await deleteUpdate(db(), owner.organisationId, published)).toBe(false);
    expect(await deleteUpdate(db(), owner.organisationId, unpublished)).toBe(true);
    await expect(publish(unpublished)).rejects.toMatchObject({ code: "not_found" });
    const listed = (await listDashboardUpdates(db(), owner.organisationId)).map((u) => u.id);
    expect(listed).not.toContain(published);
    expect(listed).not.toContain(unpublished);
    expect(await listNeedUpdates(db(), need.id)).toEqual([]);
    const row = await db().selectFrom("updates").where("id", "=", published).select(["deleted_at", "published_at"]).executeTakeFirstOrThrow();
    expect(row.deleted_at).toBeInstanceOf(Date);
    expect(row.published_at).toBeInstanceOf(Date);
  });

  it("lists drafts first, then published updates by event date", async () => {
    const fresh = await createOrganiser(db(), {});
    const old = await createUpdateDraft(db(), { organisationId: fresh.organisationId, authorId: null, content: content({ eventDate: "2026-01-10" }) });
    const recent = await createUpdateDraft(db(), { organisationId: fresh.organisationId, authorId: null, content: content({ eventDate: "2026-03-20" }) });
    const pending = await createUpdateDraft(db(), { organisationId: fresh.organisationId, authorId: null, content: content({ eventDate: "2025-12-01" }) });
    // Published in the opposite order of their event dates.
    await publish(recent.id, fresh.organisationId);
    await publish(old.id, fresh.organisationId);
    expect((await listDashboardUpdates(db(), fresh.organisationId)).map((u) => u.id)).toEqual([pending.id, recent.id, old.id]);
  });
});
