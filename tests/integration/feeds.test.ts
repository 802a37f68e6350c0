import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { appRequests } from "../support/http";
import { createOrganiser, createTestNeed, setPublishedAt, type Organiser } from "../support/needs";
import { insertTestUpdate, type TestUpdate } from "../support/updates";

let database: TestDatabase;
let app: TestApp;
let owner: Organiser;

const APP_URL = "https://tomoni.example";
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp(database.db, { APP_URL });
  owner = await createOrganiser(database.db, { orgName: "Yodogawa <Refuge> & Network" });
});
afterAll(async () => {
  await app?.close();
  await database?.destroy();
});

const db = () => database.db;
const { get } = appRequests(() => app);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  parseTagValue: false,
  isArray: (name) => ["entry", "link"].includes(name),
});

interface AtomLink {
  "@_rel": string;
  "@_href": string;
  "@_type"?: string;
}

/** An <entry> as fast-xml-parser reads it (attributes prefixed "@_", text in "#text"). */
interface ParsedEntry {
  id: string;
  title: { "#text": string };
  updated: string;
  published: string;
  link: AtomLink[];
  content: { "@_type": string; "#text": string };
}

/** Fetches a feed, checks transport and well-formedness, and returns the parsed <feed>. */
async function fetchFeed(path: string, headers: Record<string, string> = {}) {
  const res = await get(path, headers);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");
  const xml = await res.text();
  expect(XMLValidator.validate(xml)).toBe(true);
  const feed = parser.parse(xml).feed;
  expect(feed["@_xmlns"]).toBe("http://www.w3.org/2005/Atom");
  // RFC 4287 §4.1.1: id, title, updated; a self link; an author for entries without one.
  expect(feed.id).toMatch(/^tag:tomoni\.example,2026:/);
  expect(feed.title["#text"]).toBeTruthy();
  expect(feed.updated).toMatch(RFC3339);
  expect(feed.author.name).toBeTruthy();
  const links = feed.link as AtomLink[];
  expect(links.find((l) => l["@_rel"] === "self")?.["@_href"]).toBe(`${APP_URL}${path}`);
  expect(links.find((l) => l["@_rel"] === "alternate")?.["@_href"]).toBe(`${APP_URL}${path.replace(/\/feed\.xml$/, "")}`);
  const entries = (feed.entry ?? []) as ParsedEntry[];
  for (const entry of entries) {
    expect(entry.id).toMatch(/^tag:tomoni\.example,2026:update:\d+$/);
    expect(typeof entry.title["#text"]).toBe("string");
    expect(entry.updated).toMatch(RFC3339);
    expect(entry.published).toMatch(RFC3339);
    expect(entry.link[0]!["@_rel"]).toBe("alternate");
    expect(entry.link[0]!["@_href"]).toMatch(/^https:\/\/tomoni\.example\/(needs|orgs)\/[^#]+#update-\d+$/);
    expect(entry.content["@_type"]).toBe("html");
  }
  return { feed, entries, xml };
}

/** An update of the owner's organisation unless `organisationId` says otherwise; published unless `publishedAt` is null. */
const addUpdate = (needId: number | null, fields: Omit<TestUpdate, "organisationId" | "needId" | "lifecycleStep" | "spendNote"> & { organisationId?: number }) =>
  insertTestUpdate(db(), { ...fields, needId, organisationId: fields.organisationId ?? owner.organisationId });

describe(`need feeds on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("is valid Atom with the need's published updates, newest posted first", async () => {
    const need = await createTestNeed(db(), owner.organisationId, { title: "Refrigerator for the shelter" });
    const first = await addUpdate(need.id, { title: "Urgent", eventDate: "2026-01-25", publishedAt: new Date("2026-01-25T10:00:00Z") });
    const second = await addUpdate(need.id, {
      title: "Delivered",
      eventDate: "2026-03-20",
      publishedAt: new Date("2026-03-21T10:00:00Z"),
      editedAt: new Date("2026-03-22T08:30:00Z"),
    });
    await addUpdate(need.id, { title: "Draft update", publishedAt: null });
    await addUpdate(need.id, { title: "Deleted update", deletedAt: new Date() });

    const { feed, entries, xml } = await fetchFeed(`/needs/${need.slug}/feed.xml`);
    expect(feed.id).toBe(`tag:tomoni.example,2026:need:${need.id}:updates`);
    expect(feed.title["#text"]).toBe("Refrigerator for the shelter — updates from Yodogawa <Refuge> & Network");
    expect(feed.author.name).toBe("Yodogawa <Refuge> & Network");
    expect(feed.updated).toBe("2026-03-22T08:30:00Z");
    expect(entries.map((e) => e.id)).toEqual([`tag:tomoni.example,2026:update:${second}`, `tag:tomoni.example,2026:update:${first}`]);
    expect(entries[0]!.updated).toBe("2026-03-22T08:30:00Z");
    expect(entries[0]!.published).toBe("2026-03-21T10:00:00Z");
    expect(entries[0]!.link[0]!["@_href"]).toBe(`${APP_URL}/needs/${need.slug}#update-${second}`);
    expect(entries[0]!.content["#text"]).toContain("Date: March 20, 2026");
    expect(xml).not.toContain("Draft update");
    expect(xml).not.toContain("Deleted update");
  });

  it("is valid with no updates yet, dated by the need's publication", async () => {
    const need = await createTestNeed(db(), owner.organisationId);
    await setPublishedAt(db(), need.id, new Date("2026-02-01T09:00:00Z"));
    const { feed, entries } = await fetchFeed(`/needs/${need.slug}/feed.xml`);
    expect(entries).toEqual([]);
    expect(feed.updated).toBe("2026-02-01T09:00:00Z");
  });

  it.each([
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=javascript:alert(1)></iframe>",
  ])("neutralises %j: the HTML a reader gets has no script", async (payload) => {
    const need = await createTestNeed(db(), owner.organisationId);
    await addUpdate(need.id, { title: `<script>alert("t")</script> & \u000B more`, body: `Before.\n\n${payload}\n\nAfter.` });
    const { entries, xml } = await fetchFeed(`/needs/${need.slug}/feed.xml`);
    expect(xml).not.toMatch(/<script|<img|<iframe/i);
    const html: string = entries[0]!.content["#text"];
    expect(html).toContain("After.");
    expect(html).not.toMatch(/<script|<img|<iframe|onerror=|javascript:/i);
    // The title is text: a reader shows it literally (and the XML-illegal character is gone).
    expect(entries[0]!.title["#text"]).toBe(`<script>alert("t")</script> &  more`);
  });

  it("follows the reader's language", async () => {
    const need = await createTestNeed(db(), owner.organisationId, { title: "冷蔵庫" });
    await addUpdate(need.id, { title: "届きました", eventDate: "2026-03-20" });
    const { feed, entries } = await fetchFeed(`/needs/${need.slug}/feed.xml`, { "Accept-Language": "ja" });
    expect(feed["@_xml:lang"]).toBe("ja");
    expect(feed.title["#text"]).toBe("冷蔵庫 — Yodogawa <Refuge> & Network からの報告");
    expect(entries[0]!.content["#text"]).toContain("日付：2026年3月20日");
  });

  it("answers 404 for drafts, cancelled and unknown needs", async () => {
    const draft = await createTestNeed(db(), owner.organisationId, { publish: false });
    await addUpdate(draft.id, { title: "On a draft" });
    const cancelled = await createTestNeed(db(), owner.organisationId);
    await db().updateTable("needs").set({ status: "cancelled" }).where("id", "=", cancelled.id).execute();
    for (const path of [`/needs/${draft.slug}/feed.xml`, `/needs/${cancelled.slug}/feed.xml`, "/needs/no-such-need/feed.xml"]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain("On a draft");
    }
  });

  it("is announced on the need page with <link rel=alternate> and a visible link", async () => {
    const need = await createTestNeed(db(), owner.organisationId, { title: "Fridge & containers" });
    const html = await (await get(`/needs/${need.slug}`)).text();
    const link = /<link[^>]*rel="alternate"[^>]*>/.exec(html)?.[0] ?? "";
    expect(link).toContain('type="application/atom+xml"');
    expect(link).toContain(`href="${APP_URL}/needs/${need.slug}/feed.xml"`);
    expect(link).toContain('title="Fridge &amp; containers — updates from Yodogawa &lt;Refuge&gt; &amp; Network"');
    expect(html).toContain(`<a href="${APP_URL}/needs/${need.slug}/feed.xml" type="application/atom+xml">Feed (Atom)</a>`);
  });
});

describe("organisation feeds", () => {
  it("holds the organisation-wide updates and those of its public needs, nothing else", async () => {
    const org = await createOrganiser(db(), { orgName: "Hinata letters" });
    const other = await createOrganiser(db(), { orgName: "Someone else" });
    const live = await createTestNeed(db(), org.organisationId, { title: "Workbooks" });
    const draft = await createTestNeed(db(), org.organisationId, { publish: false });
    const wide = await addUpdate(null, { title: "Annual report", organisationId: org.organisationId, publishedAt: new Date("2026-03-01T00:00:00Z") });
    const onNeed = await addUpdate(live.id, { title: "Workbooks bought", organisationId: org.organisationId, publishedAt: new Date("2026-03-05T00:00:00Z") });
    await addUpdate(draft.id, { title: "On the draft need", organisationId: org.organisationId });
    await addUpdate(null, { title: "Organisation draft", organisationId: org.organisationId, publishedAt: null });
    await addUpdate(null, { title: "Another organisation's news", organisationId: other.organisationId });

    const { feed, entries, xml } = await fetchFeed(`/orgs/${org.orgSlug}/feed.xml`);
    expect(feed.id).toBe(`tag:tomoni.example,2026:organisation:${org.organisationId}:updates`);
    expect(feed.title["#text"]).toBe("Hinata letters — updates");
    expect(entries.map((e) => e.id)).toEqual([`tag:tomoni.example,2026:update:${onNeed}`, `tag:tomoni.example,2026:update:${wide}`]);
    expect(entries[0]!.link[0]!["@_href"]).toBe(`${APP_URL}/needs/${live.slug}#update-${onNeed}`);
    expect(entries[0]!.content["#text"]).toContain(`<a href="${APP_URL}/needs/${live.slug}">Workbooks</a>`);
    expect(entries[1]!.link[0]!["@_href"]).toBe(`${APP_URL}/orgs/${org.orgSlug}#update-${wide}`);
    expect(xml).not.toContain("On the draft need");
    expect(xml).not.toContain("Organisation draft");
    expect(xml).not.toContain("Another organisation");

    const page = await (await get(`/orgs/${org.orgSlug}`)).text();
    expect(page).toMatch(new RegExp(`<link[^>]*rel="alternate"[^>]*type="application/atom\\+xml"[^>]*href="${APP_URL}/orgs/${org.orgSlug}/feed.xml"`));
  });

  it("answers 404 for an unknown organisation", async () => {
    expect((await get("/orgs/no-such-org/feed.xml")).status).toBe(404);
  });
});
