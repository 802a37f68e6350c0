import type { Element, Root } from "hast";
import rehypeSanitize, { defaultSchema, type Options as SanitizeSchema } from "rehype-sanitize";
import rehypeStringify from "rehype-stringify";
import remarkGfm from "remark-gfm";
import remarkParse from "remark-parse";
import remarkRehype from "remark-rehype";
import { unified } from "unified";
import { visit } from "unist-util-visit";

/**
 * Organisers' markdown (stories, about pages, updates) to safe HTML.
 *
 * Raw HTML in the source is never passed through (remark-rehype drops it), and the result
 * is cleaned with rehype-sanitize's GitHub schema: no scripts, event handlers, styles,
 * iframes, or javascript:/data: links. Images are removed on purpose: a remote image is a
 * tracker, and a photo of a person is exactly what we ask organisers not to publish.
 */
const schema: SanitizeSchema = {
  ...defaultSchema,
  tagNames: (defaultSchema.tagNames ?? []).filter((tag) => !["img", "picture", "source", "input"].includes(tag)),
  protocols: { ...defaultSchema.protocols, href: ["http", "https", "mailto"] },
  // GitHub's schema prefixes ids with "user-content-"; we keep none at all.
  clobberPrefix: "md-",
};

/** The page already has h1 and h2; user headings start at h3 so the outline stays sound. */
function demoteHeadingsAndMarkLinks() {
  return (tree: Root) => {
    visit(tree, "element", (node: Element) => {
      if (node.tagName === "h1" || node.tagName === "h2") node.tagName = "h3";
      if (node.tagName === "a") node.properties = { ...node.properties, rel: "nofollow noopener noreferrer ugc" };
    });
  };
}

const processor = unified()
  .use(remarkParse)
  .use(remarkGfm)
  .use(remarkRehype)
  .use(rehypeSanitize, schema)
  .use(demoteHeadingsAndMarkLinks)
  .use(rehypeStringify);

/**
 * Rendering is pure (same source, same HTML) but costs milliseconds per story, and a need page
 * renders its story and every update on each view. A bounded cache keyed by the source itself
 * makes repeat views nearly free; an edit is a new key, so nothing is ever stale. Map keeps
 * insertion order, so deleting the first key evicts the oldest entry.
 */
const CACHE_LIMIT = 500;
const cache = new Map<string, string>();

export function renderMarkdown(source: string): string {
  const cached = cache.get(source);
  if (cached !== undefined) return cached;
  const html = String(processor.processSync(source));
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(source, html);
  return html;
}
