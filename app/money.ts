/**
 * Money: one currency table, one parser, one formatter. Amounts are integer minor units
 * (JPY ¥500 = 500, USD $12.50 = 1250) and never pass through a float.
 * No I/O here: the server and the browser share this module.
 */

export interface CurrencyInfo {
  /** Digits after the decimal point (ISO 4217, as Stripe treats it). */
  exponent: number;
  /** Stripe's smallest charge, in minor units. https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts */
  stripeMinimum: number;
  /** Largest amount we accept in one field, in minor units (Stripe allows 8 digits). */
  maximum: number;
  /** Preset donation amounts, in minor units. */
  presets: readonly number[];
}

export const CURRENCIES = {
  JPY: { exponent: 0, stripeMinimum: 50, maximum: 99_999_999, presets: [1_000, 3_000, 5_000, 10_000] },
  USD: { exponent: 2, stripeMinimum: 50, maximum: 99_999_999, presets: [1_000, 2_500, 5_000, 10_000] },
  EUR: { exponent: 2, stripeMinimum: 50, maximum: 99_999_999, presets: [1_000, 2_500, 5_000, 10_000] },
  GBP: { exponent: 2, stripeMinimum: 30, maximum: 99_999_999, presets: [1_000, 2_500, 5_000, 10_000] },
  AUD: { exponent: 2, stripeMinimum: 50, maximum: 99_999_999, presets: [1_000, 2_500, 5_000, 10_000] },
  CAD: { exponent: 2, stripeMinimum: 50, maximum: 99_999_999, presets: [1_000, 2_500, 5_000, 10_000] },
} as const satisfies Record<string, CurrencyInfo>;

export type Currency = keyof typeof CURRENCIES;
export const CURRENCY_CODES = Object.keys(CURRENCIES) as Currency[];

export function isCurrency(code: string): code is Currency {
  return Object.hasOwn(CURRENCIES, code);
}

export function currencyInfo(code: string): CurrencyInfo {
  if (!isCurrency(code)) throw new RangeError(`Unsupported currency ${code}`);
  return CURRENCIES[code];
}

export type AmountError = "empty" | "invalid" | "negative" | "zero" | "too_precise" | "too_large";
export type ParsedAmount = { ok: true; minor: number } | { ok: false; error: AmountError };

// Digits grouped in threes with commas ("78,000"), or plain digits; then an optional fraction.
const AMOUNT = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$/;

/**
 * Parses an amount as a person types it: "1,000", full-width "１０００", "12.50", " ¥3,000 ".
 * Refuses negatives, zero, exponents, fractions finer than the currency allows, and sizes
 * beyond the currency's maximum — all before any number is formed.
 */
export function parseAmount(input: string, currency: Currency, maximum: number = CURRENCIES[currency].maximum): ParsedAmount {
  // NFKC folds full-width digits, commas, points and the yen sign to their ASCII forms.
  const text = input.normalize("NFKC").trim().replace(/^[¥$€£]\s*/, "").replace(/\s/g, "");
  if (text === "") return { ok: false, error: "empty" };
  if (/^[-−]/.test(text)) return { ok: false, error: "negative" };
  const match = AMOUNT.exec(text);
  if (!match) return { ok: false, error: "invalid" };
  const whole = match[1]!.replace(/,/g, "").replace(/^0+(?=\d)/, "");
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  const { exponent } = CURRENCIES[currency];
  if (fraction.length > exponent) return { ok: false, error: "too_precise" };
  // 16 digits already exceed every maximum; stop before BigInt has to hold something absurd.
  if (whole.length > 16) return { ok: false, error: "too_large" };
  const minor = BigInt(whole) * 10n ** BigInt(exponent) + BigInt(fraction.padEnd(exponent, "0") || "0");
  if (minor === 0n) return { ok: false, error: "zero" };
  if (minor > BigInt(maximum)) return { ok: false, error: "too_large" };
  return { ok: true, minor: Number(minor) };
}

/** Minor units as a plain decimal string ("1250" USD → "12.50"), exact, for inputs and Intl. */
export function toDecimalString(minor: number, currency: Currency): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`Amount ${minor} is not an integer number of minor units`);
  const { exponent } = CURRENCIES[currency];
  if (exponent === 0) return String(minor);
  const digits = String(Math.abs(minor)).padStart(exponent + 1, "0");
  const sign = minor < 0 ? "-" : "";
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

const formatters = new Map<string, Intl.NumberFormat>();

/** The one formatter: "¥78,000", "$12.50", "￥78,000" in Japanese. */
export function formatMoney(minor: number, currency: string, locale: string): string {
  const code = isCurrency(currency) ? currency : "JPY";
  const key = `${locale}:${code}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { style: "currency", currency: code });
    formatters.set(key, formatter);
  }
  // A decimal string keeps Intl exact: no division, so no float ever touches the amount.
  return formatter.format(toDecimalString(minor, code) as unknown as number);
}

/** Whole percent of the goal reached, floored, capped at 100 (for progress bars). */
export function percentOf(raised: number, goal: number): number {
  if (goal <= 0) return 0;
  return Math.min(100, Math.floor((raised * 100) / goal));
}
