import { randomBytes } from "node:crypto";
import type { RenderedEmail, RenderInput } from "./render.server";

/**
 * Renders each distinct email of a unit (a batch of up to 100 rows) once. A fan-out is
 * thousands of rows with a handful of distinct (kind, locale, props): rendering every row with
 * react-email (and turning it into text) was most of the worker's CPU.
 *
 * Rows that differ only by their unsubscribe URL (one per recipient: the same prefix, then the
 * subscription's token) share a render made with a placeholder URL — the same prefix, then
 * random letters and digits as long as the token — and each row gets its own token
 * substituted: escaped for HTML as React escapes it, as-is in the text (html-to-text decodes
 * the entities). The placeholder is a URL of the same shape and length, so nothing that looks
 * at the URL (a link's scheme, text wrapping) can treat it differently.
 *
 * NOTE: substitution is only exact if the template puts the URL into its output unchanged
 * (escaped, never transformed or cut). So each shared render is made twice, with two different
 * placeholders: if the two differ anywhere but at the placeholders, the URL shapes the output in
 * some other way, and those rows are rendered one by one as before. Any placeholder left after
 * substitution also falls back.
 */

export type Render = (input: RenderInput) => Promise<RenderedEmail>;

export interface RenderCache {
  render(input: RenderInput): Promise<RenderedEmail>;
}

// A shorter token would make a placeholder that could occur in the text by chance.
const MIN_TOKEN = 16;
const PLACEHOLDER_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export function createRenderCache(render: Render): RenderCache {
  const plain = new Map<string, Promise<RenderedEmail>>();
  const templated = new Map<string, Promise<Templated | null>>();

  return {
    async render(input) {
      const url = input.unsubscribeUrl;
      const base = JSON.stringify([input.kind, input.locale, input.props]);
      if (url === undefined) return shared(plain, base, () => render(input));
      const prefix = url.slice(0, url.lastIndexOf("/") + 1);
      const token = url.slice(prefix.length);
      if (token.length < MIN_TOKEN) return render(input);
      const key = JSON.stringify([base, prefix, token.length]);
      const template = await shared(templated, key, () => makeTemplate(render, input, prefix, token.length));
      const filled = template ? fill(template, token) : null;
      // null: this template cannot be shared (see the NOTE above); render this row on its own.
      return filled ?? render(input);
    },
  };
}

/** One promise per key, so rows of one unit rendered concurrently still share one render. */
function shared<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let promise = cache.get(key);
  if (!promise) {
    promise = make();
    cache.set(key, promise);
    // A failed render is not remembered: every row reports its own failure, as before.
    promise.catch(() => cache.delete(key));
  }
  return promise;
}

interface Templated {
  placeholder: string;
  rendered: RenderedEmail;
}

async function makeTemplate(render: Render, input: RenderInput, prefix: string, length: number): Promise<Templated | null> {
  const first = placeholder(length);
  const second = placeholder(length);
  const a = await render({ ...input, unsubscribeUrl: prefix + first });
  const b = await render({ ...input, unsubscribeUrl: prefix + second });
  // The same output once each placeholder is marked alike: the URL only ever appears as itself.
  const same = (x: string, y: string) => x.split(first).join("\u0000") === y.split(second).join("\u0000");
  if (a.subject !== b.subject || !same(a.html, b.html) || !same(a.text, b.text)) return null;
  return { placeholder: first, rendered: a };
}

/** The render with this row's token where the placeholder's is (the prefix is the same). */
function fill(template: Templated, token: string): RenderedEmail | null {
  const { placeholder: mark, rendered } = template;
  const html = rendered.html.split(mark).join(escapeHtml(token));
  const text = rendered.text.split(mark).join(token);
  // A placeholder surviving would be a link to nowhere (cannot happen unless the token contains one).
  if (html.includes(mark) || text.includes(mark)) return null;
  return { subject: rendered.subject, html, text };
}

/** A random string of `length` letters and digits, none of which HTML escaping or URL handling changes. */
function placeholder(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const byte of bytes) out += PLACEHOLDER_ALPHABET[byte % PLACEHOLDER_ALPHABET.length];
  return out;
}

/**
 * What React's server renderer does to a text or attribute value (escapeTextForBrowser): the
 * same five characters, the same entities.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" })[c]!);
}
