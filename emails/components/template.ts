import type { ComponentType } from "react";
import type { z } from "zod";
import type { Locale } from "~/locales";
import type { EmailTranslate } from "../strings";

/** What every template receives besides its own props. */
export interface EmailBaseProps {
  locale: Locale;
  /** Present for emails that are not strictly transactional; the layout shows the link. */
  unsubscribeUrl?: string;
}

/**
 * The shape of one template file in emails/: a zod schema for its props, a subject line, and the
 * react-email component as the default export, carrying `PreviewProps` for previews.
 */
export interface EmailTemplateModule<S extends z.ZodType> {
  schema: S;
  subject: (props: z.output<S>, t: EmailTranslate) => string;
  default: ComponentType<z.output<S> & EmailBaseProps> & { PreviewProps: z.input<S> };
}

/** A template with its prop types erased, so templates of different shapes share one registry. */
export interface RegisteredTemplate {
  schema: z.ZodType<Record<string, unknown>>;
  subject: (props: Record<string, unknown>, t: EmailTranslate) => string;
  Component: ComponentType<Record<string, unknown> & EmailBaseProps>;
  previewProps: Record<string, unknown>;
}

/**
 * Checks a template module against its own schema's types, then erases them. Erasing is safe
 * because renderEmail always parses props with `schema` before calling `subject` or `Component`.
 */
export function registerTemplate<S extends z.ZodType<Record<string, unknown>>>(module: EmailTemplateModule<S>): RegisteredTemplate {
  return {
    schema: module.schema,
    subject: module.subject as RegisteredTemplate["subject"],
    Component: module.default as unknown as RegisteredTemplate["Component"],
    previewProps: module.default.PreviewProps as Record<string, unknown>,
  };
}
