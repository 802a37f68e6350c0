import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { escapeXml, renderAtom, rfc3339, tagUri, type AtomFeed } from "~/feeds/atom.server";
import { updatesFeedXml } from "~/feeds/updates-feed.server";
import type { FeedData } from "~/models/timeline.server";

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => ["entry", "link"].includes(name),
});

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function feed(overrides: Partial<AtomFeed> = {}): AtomFeed {
  return {
    id: "tag:tomoni.example,2026:need:1:updates",
    title: "Refrigerator for the shelter",
    updated: new Date("2026-03-21T10:00:00.123Z"),
    selfUrl: "https://tomoni.example/needs/fridge/feed.xml",
    alternateUrl: "https://tomoni.example/needs/fridge",
    authorName: "Yodogawa Refuge Network",
    lang: "en",
    entries: [
      {
        id: "tag:tomoni.example,2026:update:2",
        title: "Delivered",
        updated: new Date("2026-03-21T10:00:00Z"),
        published: new Date("2026-03-21T10:00:00Z"),
        url: "https://tomoni.example/needs/fridge#update-2",
        contentHtml: "<p>It arrived.</p>",
      },
      {
        id: "tag:tomoni.example,2026:update:1",
        title: "Urgent",
        updated: new Date("2026-01-25T10:00:00Z"),
        url: "https://tomoni.example/needs/fridge#update-1",
        contentHtml: "<p>Please help.</p>",
      },
    ],
    ...overrides,
  };
}

describe("escapeXml", () => {
  it("escapes the five special characters", () => {
    expect(escapeXml(`<a href="x" title='y'>&amp;</a>`)).toBe("&lt;a href=&quot;x&quot; title=&apos;y&apos;&gt;&amp;amp;&lt;/a&gt;");
  });

  it("drops characters XML 1.0 cannot carry, keeping tab, newlines and astral characters", () => {
    expect(escapeXml("a\u0000b\u000Bc\u001Fd\uFFFEe\uD800f")).toBe("abcdef");
    expect(escapeXml("tab\there\nline\r🍙 共に")).toBe("tab\there\nline\r🍙 共に");
  });
});

describe("rfc3339 and tag URIs", () => {
  it("formats instants in UTC to the second", () => {
    expect(rfc3339(new Date("2026-03-21T10:00:00.123Z"))).toBe("2026-03-21T10:00:00Z");
    expect(rfc3339(new Date("2026-03-21T10:00:00.123Z"))).toMatch(RFC3339);
  });

  it("mints tag: URIs under the site's host name", () => {
    expect(tagUri("https://tomoni.example", "update:42")).toBe("tag:tomoni.example,2026:update:42");
    expect(tagUri("http://localhost:3000", "update:42")).toBe("tag:localhost,2026:update:42");
  });
});

describe("renderAtom", () => {
  it("writes a well-formed Atom document with every required element", () => {
    const xml = renderAtom(feed());
    expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>')).toBe(true);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parser.parse(xml).feed;
    expect(doc["@_xmlns"]).toBe("http://www.w3.org/2005/Atom");
    expect(doc["@_xml:lang"]).toBe("en");
    expect(doc.id).toBe("tag:tomoni.example,2026:need:1:updates");
    expect(doc.title["#text"]).toBe("Refrigerator for the shelter");
    expect(doc.updated).toBe("2026-03-21T10:00:00Z");
    expect(doc.author.name).toBe("Yodogawa Refuge Network");
    expect(doc.link).toEqual([
      { "@_rel": "self", "@_type": "application/atom+xml", "@_href": "https://tomoni.example/needs/fridge/feed.xml" },
      { "@_rel": "alternate", "@_type": "text/html", "@_href": "https://tomoni.example/needs/fridge" },
    ]);
    expect(doc.entry).toHaveLength(2);
    const [first, second] = doc.entry;
    expect(first.id).toBe("tag:tomoni.example,2026:update:2");
    expect(first.title["#text"]).toBe("Delivered");
    expect(first.updated).toMatch(RFC3339);
    expect(first.published).toBe("2026-03-21T10:00:00Z");
    expect(first.link[0]).toMatchObject({ "@_rel": "alternate", "@_href": "https://tomoni.example/needs/fridge#update-2" });
    expect(first.content).toEqual({ "@_type": "html", "#text": "<p>It arrived.</p>" });
    expect(second.published).toBeUndefined();
  });

  it("escapes hostile text everywhere: what a parser reads back is exactly what went in", () => {
    const hostile = `</title><script>alert("x")</script> & ]]> <![CDATA[ '`;
    const xml = renderAtom(
      feed({
        title: hostile,
        authorName: hostile,
        entries: [{ ...feed().entries[0]!, title: hostile, contentHtml: `<p>${hostile}</p>`, url: `https://tomoni.example/needs/x?a=1&b="2"` }],
      }),
    );
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toContain("<script>");
    const doc = parser.parse(xml).feed;
    expect(doc.title["#text"]).toBe(hostile);
    expect(doc.author.name).toBe(hostile);
    expect(doc.entry[0].title["#text"]).toBe(hostile);
    expect(doc.entry[0].content["#text"]).toBe(`<p>${hostile}</p>`);
    expect(doc.entry[0].link[0]["@_href"]).toBe(`https://tomoni.example/needs/x?a=1&b="2"`);
  });

  it("stays well-formed when user text holds control characters", () => {
    const xml = renderAtom(feed({ title: "Fridge\u000B\u0001 bought" }));
    expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    expect(parser.parse(xml).feed.title["#text"]).toBe("Fridge bought");
  });
});

describe("updatesFeedXml", () => {
  const data: FeedData = {
    kind: "organisation",
    id: 7,
    slug: "yodogawa",
    title: "Yodogawa Refuge Network",
    organisation: { name: "Yodogawa Refuge Network", slug: "yodogawa" },
    updatedAt: new Date("2026-03-21T10:00:00Z"),
    entries: [
      {
        id: 3,
        needId: 1,
        need: { slug: "fridge", title: "Refrigerator & containers" },
        title: "Delivered",
        body: "It arrived. <script>alert(1)</script> [x](javascript:alert(1))",
        eventDate: "2026-03-20",
        publishedAt: new Date("2026-03-21T10:00:00Z"),
        editedAt: new Date("2026-03-22T08:00:00Z"),
        lifecycleStep: "delivered",
        spendNote: "¥76,800 <b>spent</b>",
      },
      {
        id: 2,
        needId: null,
        need: null,
        title: "Annual report",
        body: "Thank you.",
        eventDate: "2026-01-15",
        publishedAt: new Date("2026-01-16T10:00:00Z"),
        editedAt: null,
        lifecycleStep: null,
        spendNote: "",
      },
    ],
  };

  it("links each entry to its page, dates and describes it, and sanitises its body", () => {
    const doc = parser.parse(updatesFeedXml(data, { appUrl: "https://tomoni.example", locale: "en" })).feed;
    expect(doc.id).toBe("tag:tomoni.example,2026:organisation:7:updates");
    expect(doc.title["#text"]).toBe("Yodogawa Refuge Network — updates");
    expect(doc.link.map((l: Record<string, string>) => l["@_href"])).toEqual(["https://tomoni.example/orgs/yodogawa/feed.xml", "https://tomoni.example/orgs/yodogawa"]);
    const [delivered, report] = doc.entry;
    expect(delivered.id).toBe("tag:tomoni.example,2026:update:3");
    expect(delivered.updated).toBe("2026-03-22T08:00:00Z"); // edited
    expect(delivered.published).toBe("2026-03-21T10:00:00Z");
    expect(delivered.link[0]["@_href"]).toBe("https://tomoni.example/needs/fridge#update-3");
    const html: string = delivered.content["#text"];
    expect(html).toContain("Date: March 20, 2026 · Step: Delivered");
    expect(html).toContain('<a href="https://tomoni.example/needs/fridge">Refrigerator &amp; containers</a>');
    expect(html).toContain("Spending: ¥76,800 &lt;b&gt;spent&lt;/b&gt;");
    expect(html).not.toMatch(/<script|javascript:/i);
    expect(report.link[0]["@_href"]).toBe("https://tomoni.example/orgs/yodogawa#update-2");
  });

  it("speaks the reader's language", () => {
    const doc = parser.parse(updatesFeedXml(data, { appUrl: "https://tomoni.example", locale: "ja" })).feed;
    expect(doc["@_xml:lang"]).toBe("ja");
    expect(doc.entry[0].content["#text"]).toContain("日付：2026年3月20日 · 段階：お届け");
  });
});
