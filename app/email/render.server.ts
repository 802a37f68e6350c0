/**
 * CONTRACT between the outbox worker and the templates (issue 3).
 *
 * renderEmail turns an outbox row's kind + props + locale into subject, HTML and text.
 * Templates live in emails/ (react-email, one per file). Props are validated with the
 * template's zod schema both at enqueue time (validateEmailProps) and at render time.
 *
 * This file is owned by the templates work; the worker only imports these two functions.
 */
import { render, toPlainText } from "@react-email/render";
import { createElement } from "react";
import { emailTemplates } from "../../emails/registry";
import { emailTranslator } from "../../emails/strings";
import type { RegisteredTemplate } from "../../emails/components/template";
import type { Locale } from "~/locales";

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface RenderInput {
  kind: string;
  locale: Locale;
  props: Record<string, unknown>;
  /** https://…/unsubscribe/TOKEN, for emails that are not strictly transactional. */
  unsubscribeUrl?: string;
}

export class EmailTemplateError extends Error {
  override name = "EmailTemplateError";
}

/** Long enough for any real subject, short enough to keep the header within RFC 5322 habits. */
export const SUBJECT_MAX_CODE_POINTS = 200;

/** The kinds renderEmail knows, for previews and the dev mailbox. */
export function emailKinds(): string[] {
  return Object.keys(emailTemplates);
}

/** A template's PreviewProps (what `npm run email:preview` and /dev/mail/previews render). */
export function previewPropsFor(kind: string): Record<string, unknown> {
  return templateFor(kind).previewProps;
}

function templateFor(kind: string): RegisteredTemplate {
  // hasOwn: "constructor" or "__proto__" must be unknown kinds, not Object.prototype members.
  const template = Object.hasOwn(emailTemplates, kind) ? emailTemplates[kind] : undefined;
  if (!template) throw new EmailTemplateError(`Unknown email kind ${JSON.stringify(kind.slice(0, 64))}`);
  return template;
}

/** Throws EmailTemplateError for an unknown kind or props that fail the template's schema. */
export function validateEmailProps(kind: string, props: unknown): Record<string, unknown> {
  const template = templateFor(kind);
  const result = template.schema.safeParse(props);
  if (!result.success) {
    // Name the paths and problems, never the values: props hold addresses and names.
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "(props)"}: ${issue.message}`).join("; ");
    throw new EmailTemplateError(`Invalid props for email kind "${kind}": ${problems}`);
  }
  return result.data;
}

export async function renderEmail(input: RenderInput): Promise<RenderedEmail> {
  const template = templateFor(input.kind);
  const props = validateEmailProps(input.kind, input.props);
  const element = createElement(template.Component, { ...props, locale: input.locale, unsubscribeUrl: input.unsubscribeUrl });
  // NOTE: React 18's renderToPipeableStream (which render() uses on Node) pads a chunk with NUL
  // bytes when a multi-byte character does not fit the rest of its 2 KB buffer, so Japanese
  // emails gain stray U+0000 that some mail clients treat as the end of the message. Nothing
  // real is lost; the NULs are padding, so removing them restores the exact markup.
  // https://github.com/facebook/react/issues/31134, https://github.com/resend/react-email/pull/2954
  const html = withoutNul(await render(element));
  // The text version comes from the same HTML, as render(element, { plainText: true }) would.
  const text = toPlainText(html, {
    // html-to-text shouts headings in capitals by default; a sentence reads better as written.
    selectors: ["h1", "h2", "h3"].map((selector) => ({ selector, options: { uppercase: false } })),
  });
  return { subject: sanitiseSubject(template.subject(props, emailTranslator(input.locale))), html, text };
}

const withoutNul = (s: string) => s.replaceAll("\0", "");

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// C0/C1 controls (CR, LF, tab, NUL, …) and the Unicode line and paragraph separators.
const LINE_BREAKING = /[\p{Cc}\u2028\u2029]+/gu;
const graphemes = new Intl.Segmenter("und", { granularity: "grapheme" });

/**
 * One line, no control characters, at most SUBJECT_MAX_CODE_POINTS code points. Cut at a
 * grapheme boundary, so neither a surrogate pair nor an emoji sequence (👩‍👩‍👧, 🇯🇵) is split.
 */
export function sanitiseSubject(raw: string): string {
  const line = raw.replace(LONE_SURROGATE, "\uFFFD").replace(LINE_BREAKING, " ").replace(/ {2,}/g, " ").trim();
  if ([...line].length <= SUBJECT_MAX_CODE_POINTS) return line;
  const limit = SUBJECT_MAX_CODE_POINTS - 1; // room for the ellipsis
  let kept = "";
  let used = 0;
  for (const { segment } of graphemes.segment(line)) {
    const size = [...segment].length;
    if (used + size > limit) break;
    kept += segment;
    used += size;
  }
  return `${kept.trimEnd()}…`;
}
