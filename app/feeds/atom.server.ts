/**
 * Atom 1.0 (RFC 4287) documents, built as a tree of elements and serialised in one place, so
 * every piece of text and every attribute goes through the same escaping: no user text is ever
 * concatenated into the markup. https://www.rfc-editor.org/rfc/rfc4287
 */

export const ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8";
const ATOM_NS = "http://www.w3.org/2005/Atom";

export interface AtomEntry {
  /** A permanent, unique IRI: the same entry keeps it for ever (RFC 4287 §4.2.6). */
  id: string;
  title: string;
  updated: Date;
  published?: Date;
  /** Absolute URL of the entry on the site (rel="alternate"). */
  url: string;
  /** HTML, already sanitised; it is escaped here and sent as content type="html". */
  contentHtml: string;
}

export interface AtomFeed {
  id: string;
  title: string;
  updated: Date;
  /** Absolute URL of this feed (rel="self"). */
  selfUrl: string;
  /** Absolute URL of the page the feed follows (rel="alternate"). */
  alternateUrl: string;
  authorName: string;
  authorUri?: string;
  lang: string;
  entries: AtomEntry[];
}

// XML 1.0 allows tab, LF, CR and these ranges only; anything else (a NUL or a form feed pasted
// into an update, a lone surrogate) would make the whole document ill-formed, so it is dropped.
// https://www.w3.org/TR/xml/#charsets
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text or an attribute value, safe inside any XML element or double- or single-quoted attribute. */
export function escapeXml(value: string): string {
  return value
    .replace(NOT_XML_CHAR, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** HTML text (for the few words we put around an update's body in a feed). */
export const escapeHtml = (value: string): string =>
  value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** An RFC 3339 date-time in UTC, to the second (Atom §3.3). */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * A tag: URI (RFC 4151) under the site's host, e.g. tag:tomoni.example,2026:update:42. Built
 * from ids rather than slugs or URLs, so an entry keeps its identity if a page moves.
 */
export function tagUri(appUrl: string, specific: string): string {
  return `tag:${new URL(appUrl).hostname},2026:${specific}`;
}

interface XmlElement {
  name: string;
  attrs?: Record<string, string | undefined>;
  children?: (XmlElement | string)[];
}

const el = (name: string, attrs: XmlElement["attrs"], ...children: (XmlElement | string)[]): XmlElement => ({ name, attrs, children });

function serialise(node: XmlElement | string): string {
  if (typeof node === "string") return escapeXml(node);
  const attrs = Object.entries(node.attrs ?? {})
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join("");
  const children = node.children ?? [];
  if (children.length === 0) return `<${node.name}${attrs}/>`;
  return `<${node.name}${attrs}>${children.map(serialise).join("")}</${node.name}>`;
}

/** The feed document, UTF-8, with entries in the order given. */
export function renderAtom(feed: AtomFeed): string {
  const author = el("author", undefined, el("name", undefined, feed.authorName), ...(feed.authorUri ? [el("uri", undefined, feed.authorUri)] : []));
  const root = el(
    "feed",
    { xmlns: ATOM_NS, "xml:lang": feed.lang },
    el("id", undefined, feed.id),
    el("title", { type: "text" }, feed.title),
    el("updated", undefined, rfc3339(feed.updated)),
    el("link", { rel: "self", type: "application/atom+xml", href: feed.selfUrl }),
    el("link", { rel: "alternate", type: "text/html", href: feed.alternateUrl }),
    author,
    el("generator", undefined, "Tomoni"),
    ...feed.entries.map((entry) =>
      el(
        "entry",
        undefined,
        el("id", undefined, entry.id),
        el("title", { type: "text" }, entry.title),
        el("updated", undefined, rfc3339(entry.updated)),
        ...(entry.published ? [el("published", undefined, rfc3339(entry.published))] : []),
        el("link", { rel: "alternate", type: "text/html", href: entry.url }),
        el("content", { type: "html" }, entry.contentHtml),
      ),
    ),
  );
  return `<?xml version="1.0" encoding="utf-8"?>\n${serialise(root)}\n`;
}
