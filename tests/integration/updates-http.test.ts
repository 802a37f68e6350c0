import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transitionNeed } from "~/models/needs.server";
import { createSubscription } from "~/models/subscriptions.server";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { appRequests } from "../support/http";
import { createOrganiser, createTestNeed, type Organiser } from "../support/needs";

let database: TestDatabase;
let app: TestApp;
let owner: Organiser;
let organiser: Organiser;
let outsider: Organiser;
let need: { id: number; slug: string };

const APP_URL = "https://tomoni.example";

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp(database.db, { APP_URL, EMAIL_WORKER: "off" });
  owner = await createOrganiser(database.db, { orgName: "Yodogawa Refuge Network" });
  // A member who is not an owner: organisers post updates too.
  organiser = await createOrganiser(database.db, { organisationId: owner.organisationId, role: "organiser" });
  outsider = await createOrganiser(database.db, { orgName: "Someone else's group" });
  need = await createTestNeed(database.db, owner.organisationId, { slug: "fridge-updates" });
});
afterAll(async () => {
  await app?.close();
  await database?.destroy();
});

const db = () => database.db;
const { get, post } = appRequests(() => app);

/** The text of the error paragraph written next to a field. */
function fieldError(html: string, id: string): string | undefined {
  const match = new RegExp(`<p id="${id}-error" class="field-error">(.*?)</p>`, "s").exec(html);
  return match?.[1]?.replace(/<[^>]+>/g, "").replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&").trim();
}

const base = () => `/dashboard/${owner.orgSlug}/updates`;
const updateFields = (extra: Record<string, string> = {}) => ({
  need: String(need.id),
  title: "A man was granted provisional release",
  eventDate: "2026-01-25",
  body: "He moves into the shelter on the 29th: the fridge is now urgent.",
  lifecycleStep: "",
  spendNote: "",
  ...extra,
});
const updateCount = async () => (await db().selectFrom("updates").select("id").execute()).length;
const newestUpdate = () => db().selectFrom("updates").selectAll().orderBy("id", "desc").executeTakeFirstOrThrow();
const idFromLocation = (res: Response) => Number(/\/updates\/(\d+)/.exec(res.headers.get("location") ?? "")?.[1]);

async function createDraft(cookie: string, extra: Record<string, string> = {}): Promise<number> {
  const res = await post(`${base()}/new`, updateFields({ intent: "save", ...extra }), { Cookie: cookie });
  expect(res.status).toBe(303);
  return idFromLocation(res);
}

describe(`the organisers' update pages on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("takes a member who is not an owner from draft to preview to publish, emailing the need's subscribers once", async () => {
    const backer = await createSubscription(db(), { email: "backer-http@example.org", organisationId: owner.organisationId, needId: need.id });
    const follower = await createSubscription(db(), { email: "follower-http@example.org", organisationId: owner.organisationId, locale: "ja", source: "follow" });

    const form = await get(`${base()}/new?need=${need.slug}`, { Cookie: organiser.cookie });
    expect(form.status).toBe(200);
    const formHtml = await form.text();
    expect(formHtml).toMatch(new RegExp(`<option value="${need.id}" selected="">`));
    expect(formHtml).toContain("Do not name, show or locate the people you help");
    expect(formHtml).toContain("Nobody is named, shown or located, and anyone whose story this tells agreed to it");

    const saved = await post(`${base()}/new`, updateFields({ intent: "preview" }), { Cookie: organiser.cookie });
    expect(saved.status).toBe(303);
    const id = idFromLocation(saved);
    expect(saved.headers.get("location")).toBe(`${base()}/${id}/preview`);
    const stored = await newestUpdate();
    expect(stored).toMatchObject({ id, need_id: need.id, published_at: null, author_id: organiser.userId, event_date: "2026-01-25", consent_confirmed: false });

    const preview = await get(`${base()}/${id}/preview`, { Cookie: organiser.cookie });
    expect(preview.status).toBe(200);
    const previewHtml = await preview.text();
    expect(previewHtml).toContain(`id="update-${id}"`);
    expect(previewHtml).toContain("He moves into the shelter on the 29th");
    expect(previewHtml).toContain('content="noindex, nofollow"');
    // Drafts are nowhere public yet.
    expect(await (await get(`/needs/${need.slug}`)).text()).not.toContain("A man was granted provisional release");

    // Publishing without the confirmation is refused, next to the box; nothing is published.
    const refused = await post(`${base()}/${id}/preview`, { intent: "publish" }, { Cookie: organiser.cookie });
    expect(refused.status).toBe(400);
    expect(fieldError(await refused.text(), "consent")).toBe(
      "Error: Confirm that nobody is named, shown or located, and that anyone whose story this tells agreed to it.",
    );
    expect((await newestUpdate()).published_at).toBeNull();

    const published = await post(`${base()}/${id}/preview`, { intent: "publish", consent: "yes" }, { Cookie: organiser.cookie });
    expect(published.status).toBe(303);
    expect(published.headers.get("location")).toBe(`${base()}/${id}?notice=published`);
    const emails = await db().selectFrom("outbox_emails").where("batch_key", "=", `update:${id}`).select(["recipient", "locale", "subscription_id"]).orderBy("recipient").execute();
    expect(emails).toEqual([
      { recipient: backer.email, locale: "en", subscription_id: backer.id },
      { recipient: follower.email, locale: "ja", subscription_id: follower.id },
    ]);

    // A second click (or another tab) publishes nothing again and sends nothing again.
    const again = await post(`${base()}/${id}/preview`, { intent: "publish", consent: "yes" }, { Cookie: organiser.cookie });
    expect(again.headers.get("location")).toBe(`${base()}/${id}?notice=already-published`);
    expect(await db().selectFrom("outbox_emails").where("batch_key", "=", `update:${id}`).select("id").execute()).toHaveLength(2);

    const page = await (await get(`/needs/${need.slug}`)).text();
    expect(page).toContain("A man was granted provisional release");

    // An edit: marked edited on the public page, nobody emailed.
    const edit = await post(`${base()}/${id}`, updateFields({ intent: "save", title: "Granted provisional release", consent: "yes" }), { Cookie: owner.cookie });
    expect(edit.status).toBe(303);
    expect(edit.headers.get("location")).toBe(`${base()}/${id}?notice=edited`);
    expect((await newestUpdate()).edited_at).toBeInstanceOf(Date);
    expect(await db().selectFrom("outbox_emails").where("batch_key", "=", `update:${id}`).select("id").execute()).toHaveLength(2);
    const editPage = await (await get(`${base()}/${id}?notice=edited`, { Cookie: owner.cookie })).text();
    expect(editPage).toContain("The public page shows that the update was edited.");
    expect(editPage).toMatch(/Published .* · edited /);

    const list = await (await get(base(), { Cookie: organiser.cookie })).text();
    expect(list).toContain("Granted provisional release");
    expect(list).toContain("Refrigerator for the shelter");
  });

  it("makes one draft of a form sent twice (a double click), and a new one when the form was changed", async () => {
    const form = await (await get(`${base()}/new`, { Cookie: owner.cookie })).text();
    const token = /name="token" value="([^"]+)"/.exec(form)?.[1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const before = await updateCount();

    const fields = updateFields({ intent: "save", token: token!, title: "The fridge was ordered" });
    const [first, second] = await Promise.all([
      post(`${base()}/new`, fields, { Cookie: owner.cookie }),
      post(`${base()}/new`, fields, { Cookie: owner.cookie }),
    ]);
    expect([first.status, second.status]).toEqual([303, 303]);
    expect(idFromLocation(second)).toBe(idFromLocation(first));
    expect(await updateCount()).toBe(before + 1);
    // Sent again later (a retry): still that draft.
    expect(idFromLocation(await post(`${base()}/new`, fields, { Cookie: owner.cookie }))).toBe(idFromLocation(first));

    // The same form, back-buttoned and changed: a draft of what was typed now.
    const changed = await post(`${base()}/new`, { ...fields, title: "The fridge was delivered" }, { Cookie: owner.cookie });
    expect(idFromLocation(changed)).not.toBe(idFromLocation(first));
    expect(await updateCount()).toBe(before + 2);
    expect((await newestUpdate()).title).toBe("The fridge was delivered");

    // Another organisation's form with the same token is its own draft.
    const other = await createTestNeed(db(), outsider.organisationId, { slug: "outsider-fridge" });
    const theirs = await post(`/dashboard/${outsider.orgSlug}/updates/new`, { ...fields, need: String(other.id) }, { Cookie: outsider.cookie });
    expect(theirs.status).toBe(303);
    expect(await updateCount()).toBe(before + 3);
    await db().deleteFrom("updates").where("need_id", "=", other.id).execute();
  });

  it("publishes from the edit form with a lifecycle step, moving the need in the same step (funded → purchased)", async () => {
    const funded = await createTestNeed(db(), owner.organisationId);
    await transitionNeed(db(), { organisationId: owner.organisationId, needId: funded.id, to: "funded", actor: "system" });
    const id = await createDraft(owner.cookie, { need: String(funded.id), title: "The fridge was bought" });

    // Without the confirmation: 400 next to the box, the need unmoved.
    const refused = await post(`${base()}/${id}`, updateFields({ intent: "publish", need: String(funded.id), lifecycleStep: "purchased" }), { Cookie: owner.cookie });
    expect(refused.status).toBe(400);
    expect(fieldError(await refused.text(), "consent")).toMatch(/^Error: Confirm that nobody is named/);
    expect((await db().selectFrom("needs").where("id", "=", funded.id).select("status").executeTakeFirstOrThrow()).status).toBe("funded");

    const res = await post(
      `${base()}/${id}`,
      updateFields({ intent: "publish", need: String(funded.id), lifecycleStep: "purchased", spendNote: "Bought for ¥76,800.", consent: "yes" }),
      { Cookie: owner.cookie },
    );
    expect(res.status).toBe(303);
    expect((await db().selectFrom("needs").where("id", "=", funded.id).select("status").executeTakeFirstOrThrow()).status).toBe("purchased");
    expect(await db().selectFrom("updates").where("id", "=", id).select(["lifecycle_step", "spend_note", "consent_confirmed"]).executeTakeFirstOrThrow()).toEqual({
      lifecycle_step: "purchased",
      spend_note: "Bought for ¥76,800.",
      consent_confirmed: true,
    });
  });

  it("refuses an impossible lifecycle step with a message next to the field, writing nothing", async () => {
    const before = await updateCount();
    const res = await post(`${base()}/new`, updateFields({ intent: "save", lifecycleStep: "purchased" }), { Cookie: owner.cookie, "Accept-Language": "ja" });
    expect(res.status).toBe(400);
    expect(fieldError(await res.text(), "lifecycleStep")).toBe("エラー： この募集は「募集中」のため、今は「購入済み」に進められません。");
    expect(await updateCount()).toBe(before);
  });

  it.each([
    ["2026-02-30", "en", "Error: Enter a real date as year-month-day, like 2026-01-25."],
    ["not a date", "en", "Error: Enter a real date as year-month-day, like 2026-01-25."],
    ["2999-01-01", "en", "Error: The date cannot be in the future: enter the day it happened."],
    ["1999-12-31", "en", "Error: Enter a date in 2000 or later."],
    ["2999-01-01", "ja", "エラー： 未来の日付は入力できません。出来事があった日を入力してください。"],
  ])("refuses the event date %j (%s) with a message next to the field, keeping the input, writing nothing", async (eventDate, locale, message) => {
    const before = await updateCount();
    const res = await post(`${base()}/new`, updateFields({ intent: "save", eventDate }), { Cookie: owner.cookie, "Accept-Language": locale });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(fieldError(html, "eventDate")).toBe(message);
    expect(html).toMatch(/id="eventDate"[^>]*aria-invalid="true"/);
    expect(html).toContain('href="#eventDate"');
    expect(html).toContain('value="A man was granted provisional release"');
    expect(await updateCount()).toBe(before);
  });

  it("refuses a bad date on an edit too, leaving the update as it was", async () => {
    const id = await createDraft(owner.cookie);
    const res = await post(`${base()}/${id}`, updateFields({ intent: "publish", eventDate: "2030-01-01", consent: "yes" }), { Cookie: owner.cookie });
    expect(res.status).toBe(400);
    expect(fieldError(await res.text(), "eventDate")).toBe("Error: The date cannot be in the future: enter the day it happened.");
    expect(await db().selectFrom("updates").where("id", "=", id).select(["event_date", "published_at"]).executeTakeFirstOrThrow()).toEqual({
      event_date: "2026-01-25",
      published_at: null,
    });
  });

  it("neutralises XSS in the body on the preview", async () => {
    const payload = [
      "<script>alert('xss1')</script>",
      "<img src=x onerror=alert('xss2')>",
      "[click](javascript:alert('xss3'))",
      '<a href="javascript:alert(1)">x</a>',
      "<svg onload=alert('xss4')>",
      '<p onclick="alert(1)">para</p>',
      "**still bold**",
    ].join("\n\n");
    const id = await createDraft(owner.cookie, { body: payload });
    const html = await (await get(`${base()}/${id}/preview`, { Cookie: owner.cookie })).text();
    expect(html).toContain("<strong>still bold</strong>");
    // Raw HTML is dropped or shown as inert text (&#x3C;img …): never a tag, a handler or a script URL.
    expect(html).not.toContain("<script>alert(");
    expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/href\s*=\s*"\s*javascript:/i);
    expect(html).not.toMatch(/<(img|svg)\b/i);
  });

  it("deletes after a confirmation step: gone from the list and the public page", async () => {
    const id = await createDraft(owner.cookie, { title: "To be deleted" });
    await post(`${base()}/${id}/preview`, { intent: "publish", consent: "yes" }, { Cookie: owner.cookie });
    expect(await (await get(`/needs/${need.slug}`)).text()).toContain("To be deleted");

    const ask = await (await get(`${base()}/${id}?delete`, { Cookie: organiser.cookie })).text();
    expect(ask).toContain("Delete this update?");
    expect(ask).toContain('name="intent" value="delete"');

    const res = await post(`${base()}/${id}`, { intent: "delete" }, { Cookie: organiser.cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${base()}?notice=deleted`);
    expect((await db().selectFrom("updates").where("id", "=", id).select("deleted_at").executeTakeFirstOrThrow()).deleted_at).toBeInstanceOf(Date);
    expect(await (await get(base(), { Cookie: owner.cookie })).text()).not.toContain("To be deleted");
    expect(await (await get(`/needs/${need.slug}`)).text()).not.toContain("To be deleted");
    expect((await get(`${base()}/${id}`, { Cookie: owner.cookie })).status).toBe(404);
    expect((await post(`${base()}/${id}`, { intent: "delete" }, { Cookie: owner.cookie })).status).toBe(404);
  });

  it("answers 404 to non-members everywhere and writes nothing, and sends visitors to log in", async () => {
    const id = await createDraft(owner.cookie, { title: "Members only" });
    const paths = [base(), `${base()}/new`, `${base()}/${id}`, `${base()}/${id}/preview`, `${base()}/${id}?delete`];
    for (const path of paths) {
      expect((await get(path, { Cookie: outsider.cookie })).status).toBe(404);
      const anonymous = await get(path);
      expect([302, 303]).toContain(anonymous.status);
      expect(anonymous.headers.get("location")).toMatch(/^\/login/);
    }
    const before = await updateCount();
    expect((await post(`${base()}/new`, updateFields({ intent: "save" }), { Cookie: outsider.cookie })).status).toBe(404);
    expect((await post(`${base()}/${id}`, updateFields({ intent: "publish", consent: "yes" }), { Cookie: outsider.cookie })).status).toBe(404);
    expect((await post(`${base()}/${id}/preview`, { intent: "publish", consent: "yes" }, { Cookie: outsider.cookie })).status).toBe(404);
    expect((await post(`${base()}/${id}`, { intent: "delete" }, { Cookie: outsider.cookie })).status).toBe(404);
    expect(await updateCount()).toBe(before);
    expect(await db().selectFrom("updates").where("id", "=", id).select(["published_at", "deleted_at"]).executeTakeFirstOrThrow()).toEqual({
      published_at: null,
      deleted_at: null,
    });
    // An update of another organisation is not found through one's own organisation either.
    expect((await get(`/dashboard/${outsider.orgSlug}/updates/${id}`, { Cookie: outsider.cookie })).status).toBe(404);
    expect((await get(`${base()}/not-a-number`, { Cookie: owner.cookie })).status).toBe(404);
    // Another organisation's need cannot be chosen.
    const foreign = await createTestNeed(db(), outsider.organisationId);
    const res = await post(`${base()}/new`, updateFields({ intent: "save", need: String(foreign.id) }), { Cookie: owner.cookie });
    expect(res.status).toBe(400);
    expect(fieldError(await res.text(), "need")).toMatch(/^Error: Choose one of your organisation's/);
  });
});
