import { z } from "zod";
import type { FieldError, FieldErrors } from "~/components/NeedFormFields";
import { applicationFee, feeCover } from "~/fees";
import type { Locale, MessageKey } from "~/locales";
import { CURRENCIES, formatMoney, parseAmount, type AmountError, type Currency } from "~/money";
import { isFormToken } from "./submission.server";

/**
 * The donate form, parsed on the server into exact minor units and a typed input, or into
 * message keys (with the values their text needs) shown next to each field in the donor's
 * language. Nothing here touches the database or Stripe: a refused form reaches neither.
 */

export type { FieldErrors };

/** Field names in page order (the error summary lists them in this order). */
export const DONATION_FIELDS = ["amount", "customAmount", "item", "donorName", "display", "message", "email", "updates", "coverFee"] as const;

/** The honeypot: visually hidden and skipped by keyboards, so only a bot fills it in. */
export const HONEYPOT_FIELD = "website";

/** The radio value of "another amount"; the typed amount is in customAmount. */
export const CUSTOM_AMOUNT = "custom";

export const MAX_NAME = 100;
export const MAX_MESSAGE = 500;

export interface DonationInput {
  /** Toward the need, in minor units. */
  amount: number;
  /** Added by the donor so the organisation nets `amount`; 0 when not chosen. */
  feeCover: number;
  /** The platform's application fee on `amount` (0 unless the organisation has one). */
  applicationFee: number;
  itemId: number | null;
  donorName: string;
  showName: boolean;
  message: string;
  email: string;
  updatesOptIn: boolean;
  /** The form's one-time token (see createPendingDonation). */
  token: string;
}

export interface DonationFormContext {
  currency: Currency;
  locale: Locale;
  /** Items a gift may target: the need's items that still count toward its goal. */
  itemIds: readonly number[];
  platformFeeBps: number;
}

export type ParsedDonation = { ok: true; data: DonationInput } | { ok: false; errors: FieldErrors; formError?: FieldError };

function exampleAmount(currency: Currency): string {
  return CURRENCIES[currency].exponent === 0 ? "3,000" : "25.00";
}

/** parseAmount's refusals as messages that say what to type instead, in the units a person reads. */
export function donationAmountError(error: AmountError, currency: Currency, locale: Locale): FieldError {
  const { exponent, maximum } = CURRENCIES[currency];
  const example = exampleAmount(currency);
  switch (error) {
    case "empty":
      return { key: "donate.error.amount.empty" };
    case "invalid":
      return { key: "donate.error.amount.invalid", vars: { example } };
    case "negative":
      return { key: "donate.error.amount.negative" };
    case "zero":
      return { key: "donate.error.amount.zero" };
    case "too_precise":
      return exponent === 0
        ? { key: "donate.error.amount.wholeNumber", vars: { currency, example } }
        : { key: "donate.error.amount.tooPrecise", vars: { digits: exponent, example } };
    case "too_large":
      return { key: "donate.error.amount.tooLarge", vars: { max: formatMoney(maximum, currency, locale) } };
  }
}

/** The amount typed or chosen, checked against Stripe's minimum and our maximum. */
export function parseDonationAmount(
  fields: Record<string, string>,
  currency: Currency,
  locale: Locale,
): { ok: true; minor: number } | { ok: false; field: "amount" | "customAmount"; error: FieldError } {
  const choice = (fields.amount ?? "").trim();
  const typedCustom = (fields.customAmount ?? "").trim() !== "";
  // Without JavaScript a donor may type an amount without picking "another amount" first:
  // a typed amount with no preset chosen is that amount. A preset chosen *and* an amount
  // typed could mean either: ask, rather than charge an amount the donor may not have meant.
  if (typedCustom && choice !== "" && choice !== CUSTOM_AMOUNT) {
    return { ok: false, field: "customAmount", error: { key: "donate.error.amount.ambiguous" } };
  }
  const custom = choice === CUSTOM_AMOUNT || (choice === "" && typedCustom);
  const field = custom ? "customAmount" : "amount";
  const typed = custom ? fields.customAmount ?? "" : choice;
  const parsed = parseAmount(typed, currency);
  if (!parsed.ok) return { ok: false, field, error: donationAmountError(parsed.error, currency, locale) };
  const { stripeMinimum } = CURRENCIES[currency];
  if (parsed.minor < stripeMinimum) {
    return {
      ok: false,
      field,
      error: { key: "donate.error.amount.tooSmall", vars: { min: formatMoney(stripeMinimum, currency, locale) } },
    };
  }
  return { ok: true, minor: parsed.minor };
}

const checkbox = z
  .string()
  .default("")
  .transform((v) => v !== "");

function schema(context: DonationFormContext) {
  return z.object({
    item: z
      .string()
      .default("")
      .transform((value, ctx) => {
        const text = value.trim();
        if (text === "" || text === "general") return null;
        const id = /^\d{1,15}$/.test(text) ? Number(text) : NaN;
        if (!context.itemIds.includes(id)) {
          ctx.addIssue({ code: "custom", message: "donate.error.item" });
          return z.NEVER;
        }
        return id;
      }),
    donorName: z
      .string()
      .default("")
      .transform((v) => v.normalize("NFC").trim().replace(/\s+/g, " "))
      .pipe(z.string().max(MAX_NAME, "donate.error.name.tooLong")),
    display: z.enum(["public", "anonymous"], { error: "donate.error.display" }).default("anonymous"),
    message: z
      .string()
      .default("")
      .transform((v) => v.normalize("NFC").replace(/\r\n?/g, "\n").trim())
      .pipe(z.string().max(MAX_MESSAGE, "donate.error.message.tooLong")),
    email: z
      .string()
      .default("")
      .transform((v) => v.trim())
      .pipe(
        z
          .string()
          .min(1, "donate.error.email.required")
          .max(254, "donate.error.email.invalid")
          // A line break in an address could smuggle a header into the receipt.
          .refine((v) => !/[\r\n]/.test(v), "donate.error.email.invalid")
          .pipe(z.email("donate.error.email.invalid")),
      ),
    updates: checkbox,
    coverFee: checkbox,
    token: z.string().default(""),
  });
}

/** Whether the honeypot was filled in (a bot): the caller refuses with 400 and writes nothing. */
export function honeypotFilled(fields: Record<string, string>): boolean {
  return (fields[HONEYPOT_FIELD] ?? "") !== "";
}

export function parseDonationForm(fields: Record<string, string>, context: DonationFormContext): ParsedDonation {
  const { currency, locale } = context;
  const errors: FieldErrors = {};
  const amount = parseDonationAmount(fields, currency, locale);
  if (!amount.ok) errors[amount.field] = amount.error;

  const result = schema(context).safeParse({
    item: fields.item,
    donorName: fields.donorName,
    // No choice sent (an old form, a script) means the private default, never "public".
    display: fields.display || undefined,
    message: fields.message,
    email: fields.email,
    updates: fields.updates,
    coverFee: fields.coverFee,
    token: fields.token,
  });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = String(issue.path[0] ?? "form");
      errors[field] ??= { key: (issue.message.startsWith("donate.") ? issue.message : "donate.error.invalid") as MessageKey };
    }
  }

  // A public name needs a name to show. Checked on its own (not as an object refinement,
  // which zod skips while any other field is wrong) so every problem is reported at once.
  if (fields.display === "public" && (fields.donorName ?? "").trim() === "") {
    errors.donorName ??= { key: "donate.error.name.required" };
  }

  let fee = 0;
  let appFee = 0;
  if (amount.ok) {
    appFee = applicationFee(amount.minor, context.platformFeeBps);
    if (result.success && result.data.coverFee) {
      fee = feeCover(amount.minor, currency, { applicationFee: appFee });
      // The whole charge must fit Stripe's limit, not only the gift.
      const { maximum } = CURRENCIES[currency];
      if (amount.minor + fee > maximum) {
        errors.coverFee = { key: "donate.error.amount.totalTooLarge", vars: { max: formatMoney(maximum, currency, locale) } };
      }
    }
  }

  if (Object.keys(errors).length > 0 || !amount.ok || !result.success) return { ok: false, errors };
  const data = result.data;
  if (!isFormToken(data.token)) return { ok: false, errors: {}, formError: { key: "donate.error.form.token" } };
  return {
    ok: true,
    data: {
      amount: amount.minor,
      feeCover: fee,
      applicationFee: appFee,
      itemId: data.item,
      donorName: data.donorName,
      showName: data.display === "public",
      message: data.message,
      email: data.email,
      updatesOptIn: data.updates,
      token: data.token,
    },
  };
}

/** What the form shows again after an error (everything the donor typed; the honeypot never). */
export function keepDonationValues(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(DONATION_FIELDS.map((name) => [name, (fields[name] ?? "").slice(0, 2_000)]));
}
