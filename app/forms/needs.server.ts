import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { FieldError, FieldErrors } from "~/components/NeedFormFields";
import type { MessageKey } from "~/locales";
import { DEFAULT_ITEM_ROWS, MAX_ITEM_ROWS } from "~/need-options";
import type { ItemInput, NeedDetailsInput, NeedRuleCode } from "~/models/needs.server";
import { CURRENCIES, CURRENCY_CODES, formatMoney, isCurrency, parseAmount, type AmountError, type Currency } from "~/money";

/**
 * Server-side validation of the need and item forms. Errors are message keys (with values
 * to fill in), so the page shows each one next to its field in the visitor's language.
 */

export type { FieldError };
export type NeedFieldErrors = FieldErrors;

export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: NeedFieldErrors };

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** /dashboard/:org/needs/new is the creation page, so no need may be called "new". */
export const RESERVED_NEED_SLUGS: ReadonlySet<string> = new Set(["new"]);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
export const MAX_QUANTITY = 100_000;

/** A custom issue carrying a message key and the values its text needs. */
function issue(ctx: z.RefinementCtx, key: MessageKey, vars?: Record<string, string | number>) {
  ctx.addIssue({ code: "custom", message: key, params: vars ? { vars } : undefined });
}

function toErrors(issues: readonly z.core.$ZodIssue[], prefix = ""): NeedFieldErrors {
  const errors: NeedFieldErrors = {};
  for (const i of issues) {
    const field = `${prefix}${String(i.path[0] ?? "form")}`;
    const key = (i.message.includes(".") && !i.message.includes(" ") ? i.message : "needs.error.required") as MessageKey;
    const vars = i.code === "custom" ? (i.params?.vars as Record<string, string | number> | undefined) : undefined;
    errors[field] ??= vars ? { key, vars } : { key };
  }
  return errors;
}

/** Example amounts in a donor's notation, so a message can show what is accepted. */
function exampleAmount(currency: Currency): string {
  return CURRENCIES[currency].exponent === 0 ? "78,000" : "12.50";
}

/**
 * parseAmount's error codes as messages. Each says what to type instead, in the units a
 * person reads ("at most ¥99,999,999"), never in minor units.
 */
export function amountError(error: AmountError, currency: Currency, locale: "en" | "ja" = "en"): FieldError {
  const { exponent, maximum } = CURRENCIES[currency];
  const example = exampleAmount(currency);
  switch (error) {
    case "empty":
      return { key: "needs.error.amount.empty" };
    case "invalid":
      return { key: "needs.error.amount.invalid", vars: { example } };
    case "negative":
      return { key: "needs.error.amount.negative" };
    case "zero":
      return { key: "needs.error.amount.zero" };
    case "too_precise":
      return exponent === 0
        ? { key: "needs.error.amount.wholeNumber", vars: { currency, example } }
        : { key: "needs.error.amount.tooPrecise", vars: { digits: exponent, example } };
    case "too_large":
      return { key: "needs.error.amount.tooLarge", vars: { max: formatMoney(maximum, currency, locale) } };
  }
}

const trimmed = (max: number, key: MessageKey) => z.string().default("").transform((v) => v.trim()).pipe(z.string().max(max, key));
const required = (max: number, key: MessageKey) =>
  z.string({ error: key }).default("").transform((v) => v.trim()).pipe(z.string().min(1, key).max(max, "needs.error.tooLong"));

/** One item: name, optional description, quantity, unit cost as typed ("78,000", "１０００", "12.50"). */
export function itemSchema(currency: Currency, locale: "en" | "ja" = "en") {
  return z.object({
    name: required(120, "needs.error.itemName"),
    description: trimmed(1000, "needs.error.tooLong"),
    quantity: z
      .string()
      .default("")
      .transform((value, ctx) => {
        // Full-width digits and thousands separators are how people type numbers too.
        const text = value.normalize("NFKC").trim().replace(/,/g, "");
        if (text === "") {
          issue(ctx, "needs.error.quantity.empty");
          return z.NEVER;
        }
        if (!/^\d{1,6}$/.test(text) || Number(text) < 1 || Number(text) > MAX_QUANTITY) {
          issue(ctx, "needs.error.quantity", { max: MAX_QUANTITY.toLocaleString(locale) });
          return z.NEVER;
        }
        return Number(text);
      }),
    unitCost: z
      .string()
      .default("")
      .transform((value, ctx) => {
        const parsed = parseAmount(value, currency);
        if (!parsed.ok) {
          const { key, vars } = amountError(parsed.error, currency, locale);
          issue(ctx, key, vars);
          return z.NEVER;
        }
        return parsed.minor;
      }),
  });
}

export const ITEM_FIELDS = ["name", "description", "quantity", "unitCost"] as const;

/** An item's fields read under a prefix ("item0-", "add-", "item-12-"). */
export function parseItem(fields: Record<string, string>, prefix: string, currency: Currency, locale: "en" | "ja"): Parsed<ItemInput> {
  const input = Object.fromEntries(ITEM_FIELDS.map((name) => [name, fields[`${prefix}${name}`] ?? ""]));
  const result = itemSchema(currency, locale).safeParse(input);
  return result.success ? { ok: true, data: result.data } : { ok: false, errors: toErrors(result.error.issues, prefix) };
}

function isRealDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export const DETAIL_FIELDS = ["title", "slug", "summary", "currency", "deadline", "surplusPolicy", "story"] as const;

/**
 * The need's own fields. `today` is 'YYYY-MM-DD'; a deadline before it is refused unless it
 * is the one already saved (an organiser editing the story of a need whose deadline passed).
 */
export function detailsSchema(options: { today: string; currentDeadline?: string | null }) {
  return z.object({
    title: required(120, "needs.error.title"),
    slug: z
      .string()
      .default("")
      .transform((v) => v.normalize("NFKC").trim().toLowerCase())
      .refine((v) => v === "" || (v.length <= 80 && SLUG.test(v)), "needs.error.slug")
      .refine((v) => !RESERVED_NEED_SLUGS.has(v), "needs.error.slugReserved"),
    summary: required(280, "needs.error.summary"),
    story: trimmed(20_000, "needs.error.tooLong"),
    currency: z.string().default("JPY").refine((v) => isCurrency(v), "needs.error.currency"),
    deadline: z
      .string()
      .default("")
      .transform((value, ctx) => {
        const text = value.trim();
        if (text === "") return null;
        if (!isRealDate(text)) {
          issue(ctx, "needs.error.deadline");
          return z.NEVER;
        }
        if (text < options.today && text !== options.currentDeadline) {
          issue(ctx, "needs.error.deadline.past");
          return z.NEVER;
        }
        return text;
      }),
    surplusPolicy: required(1000, "needs.error.surplusPolicy"),
  });
}

export type DetailsForm = NeedDetailsInput & { slug: string; currency: Currency };

export function parseDetails(fields: Record<string, string>, options: { today: string; currentDeadline?: string | null }): Parsed<DetailsForm> {
  const result = detailsSchema(options).safeParse(Object.fromEntries(DETAIL_FIELDS.map((name) => [name, fields[name] ?? ""])));
  if (!result.success) return { ok: false, errors: toErrors(result.error.issues) };
  return { ok: true, data: { ...result.data, currency: result.data.currency as Currency } };
}

/** The number of item rows the new-need form shows, from its hidden field. */
export function itemRowCount(fields: Record<string, string>): number {
  const n = Number(fields.rows);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_ITEM_ROWS) : DEFAULT_ITEM_ROWS;
}

/**
 * The new-need form's item rows. Rows left entirely blank are skipped (the form always
 * offers a few spare ones); every other row must be complete.
 */
export function parseItemRows(fields: Record<string, string>, rows: number, currency: Currency, locale: "en" | "ja"): Parsed<ItemInput[]> {
  const items: ItemInput[] = [];
  let errors: NeedFieldErrors = {};
  for (let row = 0; row < rows; row++) {
    const prefix = `item${row}-`;
    if (ITEM_FIELDS.every((name) => (fields[`${prefix}${name}`] ?? "").trim() === "")) continue;
    const parsed = parseItem(fields, prefix, currency, locale);
    if (parsed.ok) items.push(parsed.data);
    else errors = { ...errors, ...parsed.errors };
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, data: items };
}

/** A web address made from an ASCII title ("Bus fares, spring" → "bus-fares-spring"); empty without ASCII letters. */
export function slugFromTitle(title: string): string {
  return title
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
}

/** Six hex digits that make an automatic web address unique ("need-3fa9c1"). */
export function randomSuffix(): string {
  return randomBytes(3).toString("hex");
}

/** What to show again in a form after an error: exactly the named fields as typed. */
export function keep(fields: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, (fields[name] ?? "").slice(0, 20_000)]));
}

/** The form as plain strings (first value of each name). */
export function formStrings(formData: FormData): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of formData) if (typeof value === "string" && !(key in fields)) fields[key] = value;
  return fields;
}

export const RULE_MESSAGES: Record<NeedRuleCode, MessageKey> = {
  not_found: "needs.rule.notFound",
  not_editable: "needs.rule.notEditable",
  has_donations: "needs.rule.hasDonations",
  illegal_transition: "needs.rule.illegalTransition",
  conflict: "needs.rule.conflict",
  no_items: "needs.rule.noItems",
  already_substituted: "needs.rule.alreadySubstituted",
  cannot_move: "needs.rule.cannotMove",
  slug_taken: "needs.error.slugTaken",
  currency_locked: "needs.rule.currencyLocked",
  payments_not_ready: "payments.rule.notReady",
};

export { CURRENCY_CODES };
