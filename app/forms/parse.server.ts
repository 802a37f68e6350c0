import type { z } from "zod";
import type { MessageKey } from "~/locales";

/**
 * Server-side form validation. Schemas carry message keys as their error messages, so the
 * action stays language-free and the page shows each error in the visitor's language,
 * next to its field.
 */

export type FieldErrors = Partial<Record<string, MessageKey>>;

/** A message key used as a zod error message (type-checked against the dictionaries). */
export const msg = (key: MessageKey) => key;

export type ParseResult<T> = { success: true; data: T } | { success: false; errors: FieldErrors };

/** First error per field; an error with no path is reported under "form". */
export function parseForm<S extends z.ZodType>(schema: S, input: Record<string, unknown>): ParseResult<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { success: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? "form");
    // A message that is not one of our keys is a schema without a message: say "required".
    errors[field] ??= (issue.message.includes(".") && !issue.message.includes(" ") ? issue.message : "error.required") as MessageKey;
  }
  return { success: false, errors };
}

/** The form as plain strings (files and repeated keys are not used by these forms). */
export function formFields(formData: FormData): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of formData) if (typeof value === "string" && !(key in fields)) fields[key] = value;
  return fields;
}

/** What to show again in the form after an error: the given fields only (never a password). */
export function keepValues(fields: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, (fields[name] ?? "").slice(0, 20_000)]));
}
