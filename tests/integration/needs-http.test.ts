import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { addDonation, createOrganiser, createTestNeed, setPublishedAt, type Organiser } from "../support/needs";

let database: TestDatabase;
let app: TestApp;
let owner: Organiser;
let outsider: Organiser;

const APP_URL = "https://tomoni.example";

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp(database.db, { APP_URL });
  owner = await createOrganiser(database.db, { orgName: "Yodogawa Refuge Network" });
  outsider = await createOrganiser(database.db, { orgName: "Someone else's group" });
});
afterAll(async () => {
  await app?.close();
  await database?.destroy();
});

const db = () => database.db;
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${app.url}${path}`, { headers, redirect: "manual" });
const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${app.url}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: app.url, "Sec-Fetch-Site": "same-origin", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
const count = async (table: "needs" | "items") => Number((await db().selectFrom(table).select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow()).n);

/** The text of the error paragraph written next to a field (see NeedFormFields.tsx). */
function fieldError(html: string, id: string): string | undefined {
  const match = new RegExp(`<p id="${id}-error" class="field-error">(.*?)</p>`, "s").exec(html);
  return match?.[1]?.replace(/<[^>]+>/g, "").replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&").trim();
}
const inputValue = (html: string, id: string) => new RegExp(`<input[^>]*id="${id}"[^>]*value="([^"]*)"`).exec(html)?.[1];

const newNeedFields = (extra: Record<string, string> = {}) => ({
  intent: "create",
  rows: "3",
  title: "Refrigerator for the shelter",
  summary: "Food Bank deliveries arrive every other week, but the shelter has no refrigerator.",
  story: "Food cannot be kept even a day.",
  currency: "JPY",
  deadline: "",
  surplusPolicy: "Anything above the goal goes to the food fund.",
  "item0-name": "Refrigerator",
  "item0-quantity": "1",
  "item0-unitCost": "78,000",
  ...extra,
});

describe(`the new-need form on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  const path = () => `/dashboard/${owner.orgSlug}/needs/new`;

  it("creates a draft with its items, amounts parsed to integer minor units", async () => {
    const res = await post(
      path(),
      newNeedFields({
        slug: "fridge-form",
        "item1-name": "Delivery and installation",
        "item1-quantity": "1",
        "item1-unitCost": "6,000",
        "item2-name": "Food storage containers",
        "item2-quantity": "１０",
        "item2-unitCost": "８００",
      }),
      { Cookie: owner.cookie },
    );
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/dashboard/${owner.orgSlug}/needs/fridge-form?notice=created`);
    const need = await db().selectFrom("needs").where("slug", "=", "fridge-form").selectAll().executeTakeFirstOrThrow();
    expect(need).toMatchObject({ status: "draft", currency: "JPY", organisation_id: owner.organisationId, published_at: null });
    const items = await db().selectFrom("items").where("need_id", "=", need.id).orderBy("position").select(["name", "quantity", "unit_cost"]).execute();
    expect(items).toEqual([
      { name: "Refrigerator", quantity: 1, unit_cost: 78_000 },
      { name: "Delivery and installation", quantity: 1, unit_cost: 6_000 },
      { name: "Food storage containers", quantity: 10, unit_cost: 800 },
    ]);
    const page = await (await get(`/dashboard/${owner.orgSlug}/needs/fridge-form?notice=created`, { Cookie: owner.cookie })).text();
    expect(page).toContain("Draft saved.");
    expect(page).toContain("Goal: ¥92,000");
  });

  it.each([
    ["1,000", "JPY", 1_000],
    ["１０００", "JPY", 1_000],
    ["1000", "JPY", 1_000],
    ["12.50", "USD", 1_250],
  ])("accepts %j (%s) and stores %i", async (typed, currency, stored) => {
    const slug = `accepts-${stored}-${currency.toLowerCase()}-${Math.random().toString(36).slice(2, 8)}`;
    const res = await post(path(), newNeedFields({ slug, currency, "item0-unitCost": typed }), { Cookie: owner.cookie });
    expect(res.status).toBe(303);
    const item = await db()
      .selectFrom("items")
      .innerJoin("needs", "needs.id", "items.need_id")
      .where("needs.slug", "=", slug)
      .select(["items.unit_cost"])
      .executeTakeFirstOrThrow();
    expect(item.unit_cost).toBe(stored);
    expect(Number.isInteger(item.unit_cost)).toBe(true);
  });

  it.each([
    ["1000.5", "JPY", "en", "JPY amounts have no decimal places: enter a whole number, like 78,000."],
    ["12.345", "USD", "en", "Use at most 2 digits after the decimal point, like 12.50."],
    ["-5", "JPY", "en", "The amount cannot be negative."],
    ["0", "JPY", "en", "The amount must be more than zero."],
    ["1e3", "JPY", "en", "Enter the amount in digits, like 78,000."],
    ["12345678901234567890", "JPY", "en", "That is too large: the most one item can cost is ¥99,999,999."],
    ["", "JPY", "en", "Enter the unit cost."],
    ["1000.5", "JPY", "ja", "JPY の金額に小数は使えません。整数で入力してください（例：78,000）。"],
    ["-5", "JPY", "ja", "金額にマイナスは使えません。"],
    ["12.345", "USD", "ja", "小数点以下は 2 桁までにしてください（例：12.50）。"],
    ["", "JPY", "ja", "単価を入力してください。"],
  ])("refuses %j (%s) in %s with the message next to the field, keeping the input, writing nothing", async (typed, currency, locale, message) => {
    const [needs, items] = [await count("needs"), await count("items")];
    const res = await post(path(), newNeedFields({ slug: "never-written", currency, "item0-unitCost": typed }), {
      Cookie: owner.cookie,
      "Accept-Language": locale,
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(fieldError(html, "item0-unitCost")).toBe(`${locale === "ja" ? "エラー：" : "Error:"} ${message}`);
    expect(html).toMatch(/id="item0-unitCost"[^>]*aria-invalid="true"/);
    expect(inputValue(html, "item0-unitCost")).toBe(typed);
    expect(inputValue(html, "title")).toBe("Refrigerator for the shelter");
    expect(html).toContain('href="#item0-unitCost"'); // listed in the error summary too
    expect([await count("needs"), await count("items")]).toEqual([needs, items]);
  });

  it("refuses a bad quantity and a missing title, each next to its field", async () => {
    const res = await post(path(), newNeedFields({ title: "", "item0-quantity": "1.5" }), { Cookie: owner.cookie, "Accept-Language": "ja" });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(fieldError(html, "title")).toBe("エラー： タイトルを入力してください。");
    expect(fieldError(html, "item0-quantity")).toBe("エラー： 数量は 1 から 100,000 までの整数で入力してください。");
  });

  it("adds an item row without JavaScript, keeping everything typed and writing nothing", async () => {
    const needs = await count("needs");
    const res = await post(path(), newNeedFields({ intent: "add-row", "item0-unitCost": "78,000", title: "Typed title" }), { Cookie: owner.cookie });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('name="rows" value="4"');
    expect(html).toContain('id="item3-name"');
    expect(inputValue(html, "item0-unitCost")).toBe("78,000");
    expect(inputValue(html, "title")).toBe("Typed title");
    expect(await count("needs")).toBe(needs);
  });

  it("refuses a web address another need uses", async () => {
    await createTestNeed(db(), outsider.organisationId, { slug: "taken-slug", publish: false });
    const res = await post(path(), newNeedFields({ slug: "taken-slug" }), { Cookie: owner.cookie });
    expect(res.status).toBe(400);
    expect(fieldError(await res.text(), "slug")).toContain("Another need already uses this web address");
  });

  it("makes a web address for a Japanese title", async () => {
    const res = await post(path(), newNeedFields({ title: "春学期の日本語ドリル" }), { Cookie: owner.cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toMatch(new RegExp(`^/dashboard/${owner.orgSlug}/needs/need-[0-9a-f]{6}\\?notice=created$`));
  });
});

describe("the edit page", () => {
  const edit = (slug: string) => `/dashboard/${owner.orgSlug}/needs/${slug}`;

  it("publishes with a POST, and refuses the same step from a stale page", async () => {
    const need = await createTestNeed(db(), owner.organisationId, { publish: false });
    expect((await get(`/needs/${need.slug}`)).status).toBe(404);
    const res = await post(edit(need.slug), { intent: "transition", from: "draft", to: "live" }, { Cookie: owner.cookie });
    expect(res.status).toBe(303);
    expect((await get(`/needs/${need.slug}`)).status).toBe(200);
    const stale = await post(edit(need.slug), { intent: "transition", from: "draft", to: "cancelled" }, { Cookie: owner.cookie, "Accept-Language": "ja" });
    expect(stale.status).toBe(409);
    expect(await stale.text()).toContain("確認している間に募集が変更されました");
    const row = await db().selectFrom("needs").where("id", "=", need.id).select("status").executeTakeFirstOrThrow();
    expect(row.status).toBe("live");
  });

  it("never lets an organiser mark a need funded", async () => {
    const need = await createTestNeed(db(), owner.organisationId);
    const res = await post(edit(need.slug), { intent: "transition", from: "live", to: "funded" }, { Cookie: owner.cookie });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("That step is not possible");
    expect((await db().selectFrom("needs").where("id", "=", need.id).select("status").executeTakeFirstOrThrow()).status).toBe("live");
  });

  it("once donations exist, refuses item edits but adds items marked with their date on the public page", async () => {
    const need = await createTestNeed(db(), owner.organisationId);
    await setPublishedAt(db(), need.id, new Date("2026-01-20T03:00:00Z"));
    await addDonation(db(), need.id, 10_000);
    const [first] = await db().selectFrom("items").where("need_id", "=", need.id).orderBy("position").select("id").execute();
    const refused = await post(
      edit(need.slug),
      { intent: "update-item", itemId: String(first!.id), [`item-${first!.id}-name`]: "Cheaper fridge", [`item-${first!.id}-quantity`]: "1", [`item-${first!.id}-unitCost`]: "1" },
      { Cookie: owner.cookie },
    );
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("Donations have started, so existing items cannot be changed");
    expect((await db().selectFrom("items").where("id", "=", first!.id).select("unit_cost").executeTakeFirstOrThrow()).unit_cost).toBe(78_000);

    const page = await (await get(edit(need.slug), { Cookie: owner.cookie })).text();
    expect(page).not.toContain(`name="item-${first!.id}-unitCost"`); // no form to edit it any more

    const bad = await post(edit(need.slug), { intent: "add-item", "add-name": "Rice cooker", "add-quantity": "1", "add-unitCost": "9000.5" }, { Cookie: owner.cookie });
    expect(bad.status).toBe(400);
    expect(fieldError(await bad.text(), "add-unitCost")).toContain("JPY amounts have no decimal places");

    const added = await post(edit(need.slug), { intent: "add-item", "add-name": "Rice cooker", "add-quantity": "1", "add-unitCost": "９,０００" }, { Cookie: owner.cookie });
    expect(added.status).toBe(303);
    const publicHtml = await (await get(`/needs/${need.slug}`)).text();
    const today = new Intl.DateTimeFormat("en", { dateStyle: "long", timeZone: "UTC" }).format(new Date());
    expect(publicHtml).toContain(`Added on ${today}`);
    expect(publicHtml).toContain("¥101,000"); // the goal grew by ¥9,000
  });

  it("moves items with plain POSTs", async () => {
    const need = await createTestNeed(db(), owner.organisationId, { publish: false });
    const items = await db().selectFrom("items").where("need_id", "=", need.id).orderBy("position").select("id").execute();
    const res = await post(edit(need.slug), { intent: "move-item", itemId: String(items[2]!.id), direction: "up" }, { Cookie: owner.cookie });
    expect(res.status).toBe(303);
    const after = await db().selectFrom("items").where("need_id", "=", need.id).orderBy("position").select("id").execute();
    expect(after.map((i) => i.id)).toEqual([items[0]!.id, items[2]!.id, items[1]!.id]);
  });

  it("previews a draft exactly as the public page would show it", async () => {
    const need = await createTestNeed(db(), owner.organisationId, { publish: false, title: "Preview me" });
    const preview = await (await get(`${edit(need.slug)}/preview`, { Cookie: owner.cookie })).text();
    expect(preview).toContain("Preview — this is how visitors will see the page");
    expect(preview).toContain("<h1>Preview me</h1>");
    expect(preview).toContain("¥92,000");
    expect(preview).toContain('content="noindex, nofollow"');
  });
});

describe("who may see the dashboard's needs pages", () => {
  let draft: { id: number; slug: string };
  beforeAll(async () => {
    draft = await createTestNeed(db(), owner.organisationId, { publish: false, title: "Private draft" });
  });
  const pages = () => [
    `/dashboard/${owner.orgSlug}`,
    `/dashboard/${owner.orgSlug}/needs/new`,
    `/dashboard/${owner.orgSlug}/needs/${draft.slug}`,
    `/dashboard/${owner.orgSlug}/needs/${draft.slug}/preview`,
  ];

  it("shows them to every member, owner or organiser", async () => {
    const organiser = await createOrganiser(db(), { organisationId: owner.organisationId, role: "organiser" });
    for (const path of pages()) expect((await get(path, { Cookie: organiser.cookie })).status, path).toBe(200);
    const list = await (await get(`/dashboard/${owner.orgSlug}`, { Cookie: organiser.cookie })).text();
    expect(list).toContain("Private draft");
    expect(list).toContain("Draft");
  });

  it("answers 404 to a member of another organisation, for pages and posts alike", async () => {
    for (const path of pages()) {
      const res = await get(path, { Cookie: outsider.cookie, "Accept-Language": "ja" });
      expect(res.status, path).toBe(404);
      expect(await res.text()).toContain("ページが見つかりません");
    }
    const before = await count("needs");
    expect((await post(`/dashboard/${owner.orgSlug}/needs/new`, newNeedFields({ slug: "intruder" }), { Cookie: outsider.cookie })).status).toBe(404);
    expect((await post(`/dashboard/${owner.orgSlug}/needs/${draft.slug}`, { intent: "transition", from: "draft", to: "live" }, { Cookie: outsider.cookie })).status).toBe(404);
    expect(await count("needs")).toBe(before);
    expect((await db().selectFrom("needs").where("id", "=", draft.id).select("status").executeTakeFirstOrThrow()).status).toBe("draft");
  });

  it("answers 404 when another organisation's need is asked for under one's own", async () => {
    const res = await get(`/dashboard/${outsider.orgSlug}/needs/${draft.slug}`, { Cookie: outsider.cookie });
    expect(res.status).toBe(404);
    const write = await post(`/dashboard/${outsider.orgSlug}/needs/${draft.slug}`, { intent: "transition", from: "draft", to: "cancelled" }, { Cookie: outsider.cookie });
    expect(write.status).toBe(404);
    expect((await db().selectFrom("needs").where("id", "=", draft.id).select("status").executeTakeFirstOrThrow()).status).toBe("draft");
  });

  it("sends visitors who are not logged in to log in", async () => {
    for (const path of pages()) {
      const res = await get(path);
      expect([302, 303]).toContain(res.status);
      expect(res.headers.get("location")).toMatch(/^\/login\?redirectTo=/);
    }
  });

  it("keeps drafts off every public page and the API", async () => {
    expect((await get(`/needs/${draft.slug}`)).status).toBe(404);
    const api = await get(`/api/needs/${draft.slug}`);
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({ error: "not_found" });
    expect(await (await get(`/?q=Private+draft`)).text()).not.toContain(draft.slug);
    expect(await (await get(`/orgs/${owner.orgSlug}`)).text()).not.toContain(draft.slug);
  });
});

describe("GET /api/needs/:slug", () => {
  let fridge: { id: number; slug: string };
  beforeAll(async () => {
    fridge = await createTestNeed(db(), owner.organisationId, { deadline: "2027-01-25" });
    await addDonation(db(), fridge.id, 46_000);
  });

  it("returns the need with integer minor units and English formatting", async () => {
    const res = await get(`/api/needs/${fridge.slug}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.headers.get("cache-control")).toBe("public, max-age=60, stale-while-revalidate=300");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("vary")).toContain("Accept-Language");
    const body = await res.json();
    expect(body).toMatchObject({
      slug: fridge.slug,
      url: `${APP_URL}/needs/${fridge.slug}`,
      title: "Refrigerator for the shelter",
      organisation: { name: "Yodogawa Refuge Network", slug: owner.orgSlug },
      currency: "JPY",
      locale: "en",
      goal: 92_000,
      goalFormatted: "¥92,000",
      raised: 46_000,
      raisedFormatted: "¥46,000",
      backers: 1,
      status: "live",
      deadline: "2027-01-25",
    });
    expect(body.items).toEqual([
      expect.objectContaining({ name: "Refrigerator", quantity: 1, unitCost: 78_000, unitCostFormatted: "¥78,000", total: 78_000, funded: 46_000, fundedFormatted: "¥46,000" }),
      expect.objectContaining({ name: "Delivery and installation", quantity: 1, unitCost: 6_000, total: 6_000, funded: 0 }),
      expect.objectContaining({ name: "Food storage containers", quantity: 10, unitCost: 800, total: 8_000, totalFormatted: "¥8,000", funded: 0 }),
    ]);
    for (const item of body.items) for (const key of ["quantity", "unitCost", "total", "funded"]) expect(Number.isInteger(item[key])).toBe(true);
  });

  it("formats for Japanese by ?locale= or Accept-Language", async () => {
    const byQuery = await (await get(`/api/needs/${fridge.slug}?locale=ja`)).json();
    const byHeader = await (await get(`/api/needs/${fridge.slug}`, { "Accept-Language": "ja-JP,ja;q=0.9" })).json();
    for (const body of [byQuery, byHeader]) {
      expect(body.locale).toBe("ja");
      expect(body.goalFormatted).toBe("￥92,000");
      expect(body.goal).toBe(92_000);
      expect(body.items[0].unitCostFormatted).toBe("￥78,000");
    }
    // The cookie never changes the answer: it is not in Vary, so a cache could mix answers up.
    const cookie = await (await get(`/api/needs/${fridge.slug}`, { Cookie: "lang=ja" })).json();
    expect(cookie.locale).toBe("en");
  });

  it("keeps cents exact for a USD need", async () => {
    const usd = await createTestNeed(db(), owner.organisationId, {
      currency: "USD",
      items: [{ name: "Bus pass", description: "", quantity: 3, unitCost: 1_250 }],
    });
    const body = await (await get(`/api/needs/${usd.slug}`)).json();
    expect(body).toMatchObject({ currency: "USD", goal: 3_750, goalFormatted: "$37.50" });
    expect(body.items[0]).toMatchObject({ unitCost: 1_250, unitCostFormatted: "$12.50" });
  });

  it("answers unknown slugs with 404 JSON that embedders may read", async () => {
    const res = await get("/api/needs/no-such-need");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(await res.json()).toEqual({ error: "not_found" });
  });
});

describe("the need page", () => {
  it("has Open Graph and Twitter card tags with the absolute address", async () => {
    const need = await createTestNeed(db(), owner.organisationId, { title: "Winter futons", summary: "Four futon sets & covers." });
    const html = await (await get(`/needs/${need.slug}`)).text();
    const meta = (attr: string, name: string) => new RegExp(`<meta ${attr}="${name}" content="([^"]*)"`).exec(html)?.[1];
    expect(meta("property", "og:title")).toBe("Winter futons");
    expect(meta("property", "og:description")).toBe("Four futon sets &amp; covers.");
    expect(meta("property", "og:url")).toBe(`${APP_URL}/needs/${need.slug}`);
    expect(meta("property", "og:type")).toBe("website");
    expect(meta("name", "twitter:card")).toBe("summary");
  });

  it("shows the organisation link, donate region, share links with the address encoded, and the plain URL", async () => {
    const need = await createTestNeed(db(), owner.organisationId);
    const html = await (await get(`/needs/${need.slug}`)).text();
    const url = `${APP_URL}/needs/${need.slug}`;
    const encoded = encodeURIComponent(url);
    expect(html).toContain(`href="/orgs/${owner.orgSlug}"`);
    expect(html).toMatch(/<section aria-labelledby="donate"[^>]*><h2 id="donate">Donate<\/h2>/);
    expect(html).toContain(`value="${url}"`);
    expect(html).toContain(`https://social-plugins.line.me/lineit/share?url=${encoded}`);
    expect(html).toContain(`https://x.com/intent/tweet?text=Refrigerator%20for%20the%20shelter&amp;url=${encoded}`);
    expect(html).toContain(`https://www.facebook.com/sharer/sharer.php?u=${encoded}`);
    expect(html).toContain(`mailto:?subject=Refrigerator%20for%20the%20shelter`);
    // "Copy link" needs JavaScript, so the server never renders it.
    expect(html).not.toContain("Copy link");
  });

  it("carries no NUL characters in Japanese pages (React 18 stream padding, see entry.server.tsx)", async () => {
    // Many short Japanese text nodes: React pads a 2048-byte view when one straddles its end.
    const items = Array.from({ length: 30 }, (_, i) => ({ name: `日本語ドリル（小学生向け）第${i + 1}巻`, description: "子どもたちの宿題のために", quantity: 1, unitCost: 1_200 }));
    const need = await createTestNeed(db(), owner.organisationId, { title: "春学期の日本語ドリル", items });
    const html = await (await get(`/needs/${need.slug}`, { "Accept-Language": "ja" })).text();
    expect(html.length).toBeGreaterThan(3 * 2048);
    expect(html.includes("\u0000")).toBe(false);
    for (const item of items) expect(html).toContain(`<span class="item-name">${item.name}</span>`);
  });

  it("reads in Japanese", async () => {
    const need = await createTestNeed(db(), owner.organisationId);
    const html = await (await get(`/needs/${need.slug}`, { "Accept-Language": "ja" })).text();
    expect(html).toContain('<html lang="ja"');
    expect(html).toContain("目標 ￥92,000 のうち ￥0");
    expect(html).toContain("寄付する");
    expect(html).toContain("この募集をシェアする");
  });
});

describe("the home page", () => {
  let group: Organiser;
  beforeAll(async () => {
    group = await createOrganiser(db(), { orgName: "Search group", orgSlug: "search-group" });
    const make = async (title: string, summary: string, daysAgo: number, deadline: string | null, raised: number) => {
      const need = await createTestNeed(db(), group.organisationId, { title, summary, deadline });
      await setPublishedAt(db(), need.id, new Date(Date.now() - daysAgo * 86_400_000));
      if (raised) await addDonation(db(), need.id, raised);
    };
    const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
    await make("Alpha fares 100% covered", "Visits.", 1, inDays(40), 10_000);
    await make("Beta letters_stamps", "Stamps.", 3, inDays(4), 80_000);
    await make("Gamma workbooks", "宿題のドリル", 2, null, 40_000);
  });
  const order = (html: string, titles: string[]) => titles.map((t) => html.indexOf(t)).filter((i) => i >= 0);
  const titles = ["Alpha fares 100% covered", "Beta letters_stamps", "Gamma workbooks"];
  const shown = (html: string) => [...titles].filter((t) => html.includes(t)).sort((a, b) => html.indexOf(a) - html.indexOf(b));

  it("sorts by newest, nearly funded and ending soon", async () => {
    const page = (sort: string) => get(`/?org=search-group&sort=${sort}`).then((r) => r.text());
    expect(shown(await page("newest"))).toEqual(["Alpha fares 100% covered", "Gamma workbooks", "Beta letters_stamps"]);
    expect(shown(await page("nearly_funded"))).toEqual(["Beta letters_stamps", "Gamma workbooks", "Alpha fares 100% covered"]);
    expect(shown(await page("ending_soon"))).toEqual(["Beta letters_stamps", "Alpha fares 100% covered", "Gamma workbooks"]);
    expect(order(await page("nonsense"), titles)).toHaveLength(3); // an unknown sort is "newest", not an error
  });

  it("filters by organisation", async () => {
    const html = await (await get("/?org=search-group")).text();
    expect(shown(html)).toHaveLength(3);
    expect(html).toContain("3 needs found");
    expect(html).toContain('<option value="search-group" selected="">Search group</option>');
    const elsewhere = await (await get(`/?org=${outsider.orgSlug}`)).text();
    expect(shown(elsewhere)).toEqual([]);
  });

  it("searches with % and _ taken literally, and Japanese words", async () => {
    expect(shown(await (await get("/?q=100%25")).text())).toEqual(["Alpha fares 100% covered"]);
    expect(shown(await (await get("/?q=%25")).text())).toEqual(["Alpha fares 100% covered"]);
    expect(shown(await (await get("/?q=s_s")).text())).toEqual(["Beta letters_stamps"]);
    expect(shown(await (await get("/?q=_")).text())).toEqual(["Beta letters_stamps"]);
    expect(shown(await (await get(`/?q=${encodeURIComponent("宿題")}`)).text())).toEqual(["Gamma workbooks"]);
    const none = await (await get("/?q=zzzz", { "Accept-Language": "ja" })).text();
    expect(none).toContain("条件に合う募集はありません");
    expect(none).toContain('value="zzzz"'); // the search box keeps the words
  });
});

describe("the home page, page by page", () => {
  it("shows 24 needs a page with links to the others, every need exactly once, the filters kept", async () => {
    const group = await createOrganiser(db(), { orgName: "Paging group", orgSlug: "paging-group" });
    const titles: string[] = [];
    for (let i = 0; i < 26; i++) {
      const title = `Paged need ${String(i).padStart(2, "0")}`;
      titles.push(title);
      const need = await createTestNeed(db(), group.organisationId, { title });
      // Two needs published at the same moment: the order must still be total.
      await setPublishedAt(db(), need.id, new Date(Date.UTC(2026, 0, 1 + Math.floor(i / 2))));
    }
    const paged = (html: string) => titles.filter((t) => html.includes(`${t}<`));

    const first = await (await get("/?org=paging-group&sort=newest")).text();
    expect(first).toContain("26 needs found");
    expect(paged(first)).toHaveLength(24);
    expect(first).toContain("Page 1 of 2");
    expect(first).toMatch(/<a rel="next"[^>]* href="\/\?org=paging-group&amp;page=2">/);
    expect(first).not.toContain('rel="prev"');

    const second = await (await get("/?org=paging-group&page=2")).text();
    expect(second).toContain("26 needs found");
    expect(paged(second)).toHaveLength(2);
    expect(second).toMatch(/<a rel="prev"[^>]* href="\/\?org=paging-group">/);
    expect(second).not.toContain('rel="next"');
    expect(new Set([...paged(first), ...paged(second)])).toEqual(new Set(titles));
    // Newest first across the pages: the two oldest are on page 2.
    expect(paged(second).sort()).toEqual(["Paged need 00", "Paged need 01"]);

    const beyond = await get("/?org=paging-group&page=9", { "Accept-Language": "ja" });
    expect(beyond.status).toBe(200);
    const beyondHtml = await beyond.text();
    expect(paged(beyondHtml)).toEqual([]);
    expect(beyondHtml).toContain("26 件の募集が見つかりました");
    expect(beyondHtml).toContain("最初のページに戻る");
    // A malformed page is the first page, not an error.
    expect(paged(await (await get("/?org=paging-group&page=abc")).text())).toHaveLength(24);
  });
});

describe("the organisation page", () => {
  it("shows about, region, open and completed needs; 404 for unknown organisations", async () => {
    const group = await createOrganiser(db(), { orgName: "Café group", orgSlug: "cafe-group" });
    await db().updateTable("organisations").set({ about: "We run a **monthly** café.", region: "Kyoto" }).where("id", "=", group.organisationId).execute();
    await createTestNeed(db(), group.organisationId, { title: "Coffee beans" });
    const done = await createTestNeed(db(), group.organisationId, { title: "Tea cups" });
    await db().updateTable("needs").set({ status: "closed" }).where("id", "=", done.id).execute();
    const html = await (await get("/orgs/cafe-group")).text();
    expect(html).toContain("<h1>Café group</h1>");
    expect(html).toContain("Based in Kyoto");
    expect(html).toContain("<strong>monthly</strong>");
    expect(html.indexOf("Coffee beans")).toBeLessThan(html.indexOf("Completed needs"));
    expect(html.indexOf("Tea cups")).toBeGreaterThan(html.indexOf("Completed needs"));
    const missing = await get("/orgs/no-such-org", { "Accept-Language": "ja" });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("ページが見つかりません");
  });
});

describe("the organisation page, page by page", () => {
  it("pages open and completed needs separately, each link keeping the other list's page, every need exactly once", async () => {
    const group = await createOrganiser(db(), { orgName: "Busy group", orgSlug: "busy-group" });
    const open: string[] = [];
    const done: string[] = [];
    for (let i = 0; i < 25; i++) {
      const title = `Open need ${String(i).padStart(2, "0")}`;
      open.push(title);
      const need = await createTestNeed(db(), group.organisationId, { title });
      await setPublishedAt(db(), need.id, new Date(Date.UTC(2026, 1, 1 + i)));
    }
    for (let i = 0; i < 26; i++) {
      const title = `Done need ${String(i).padStart(2, "0")}`;
      done.push(title);
      const need = await createTestNeed(db(), group.organisationId, { title });
      await setPublishedAt(db(), need.id, new Date(Date.UTC(2025, 1, 1 + i)));
      await db().updateTable("needs").set({ status: "closed" }).where("id", "=", need.id).execute();
    }
    const shown = (html: string, titles: string[]) => titles.filter((t) => html.includes(`${t}<`));

    const first = await (await get("/orgs/busy-group")).text();
    expect(shown(first, open)).toHaveLength(24);
    expect(shown(first, done)).toHaveLength(24);
    // Two lists, two navigation landmarks with their own names.
    expect(first).toContain('aria-label="Pages of open needs"');
    expect(first).toContain('aria-label="Pages of completed needs"');
    expect(first).toMatch(/<a rel="next"[^>]* href="\/orgs\/busy-group\?page=2#live-needs">/);
    expect(first).toMatch(/<a rel="next"[^>]* href="\/orgs\/busy-group\?completed=2#completed-needs">/);

    // Page 2 of the completed needs keeps page 2 of the open ones, and the links say so.
    const both = await (await get("/orgs/busy-group?page=2&completed=2")).text();
    expect(shown(both, open)).toEqual(["Open need 00"]); // newest first: the oldest is last
    expect(shown(both, done).sort()).toEqual(["Done need 00", "Done need 01"]);
    expect(both).toMatch(/<a rel="prev"[^>]* href="\/orgs\/busy-group\?completed=2#live-needs">/);
    expect(both).toMatch(/<a rel="prev"[^>]* href="\/orgs\/busy-group\?page=2#completed-needs">/);
    expect(new Set([...shown(first, open), ...shown(both, open)])).toEqual(new Set(open));
    expect(new Set([...shown(first, done), ...shown(both, done)])).toEqual(new Set(done));

    // Past the end, in Japanese: a way back, not an error and not "no open needs".
    const beyond = await get("/orgs/busy-group?page=7&completed=abc", { "Accept-Language": "ja" });
    expect(beyond.status).toBe(200);
    const beyondHtml = await beyond.text();
    expect(shown(beyondHtml, open)).toEqual([]);
    expect(beyondHtml).toContain("最初のページに戻る");
    expect(beyondHtml).not.toContain("現在、募集中のものはありません");
    expect(shown(beyondHtml, done)).toHaveLength(24); // the malformed page is the first
  });
});
