/**
 * CONTRACT between the outbox worker and the templates (issue 3).
 *
 * renderEmail turns an outbox row's kind + props + locale into subject, HTML and text.
 * Templates live in emails/ (react-email, one per file). Props are validated with the
 * template's zod schema both at enqueue time (validateEmailProps) and at render time.
 *
 * This file is owned by the templates work; the worker only imports these two functions.
 */
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

/** Throws EmailTemplateError for an unknown kind or props that fail the template's schema. */
export declare function validateEmailProps(kind: string, props: unknown): Record<string, unknown>;

export declare function renderEmail(input: RenderInput): Promise<RenderedEmail>;
