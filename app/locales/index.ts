import { accountsEn, accountsJa } from "./accounts";
import { en } from "./en";
import { ja } from "./ja";
import { connectEn, connectJa } from "./connect";
import { donationsEn, donationsJa } from "./donations";
import { donationsDashboardEn, donationsDashboardJa } from "./donations-dashboard";
import { needsEn, needsJa } from "./needs";
import { supportersEn, supportersJa } from "./supporters";
import { timelineEn, timelineJa } from "./timeline";
import { updatesEn, updatesJa } from "./updates";

export type MessageKey =
  | keyof typeof en
  | keyof typeof accountsEn
  | keyof typeof needsEn
  | keyof typeof donationsEn
  | keyof typeof connectEn
  | keyof typeof donationsDashboardEn
  | keyof typeof supportersEn
  | keyof typeof updatesEn
  | keyof typeof timelineEn;
export const LOCALES = ["en", "ja"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";
export const LOCALE_COOKIE = "lang";

const dictionaries: Record<Locale, Record<MessageKey, string>> = {
  en: { ...en, ...accountsEn, ...needsEn, ...donationsEn, ...connectEn, ...donationsDashboardEn, ...supportersEn, ...updatesEn, ...timelineEn },
  ja: { ...ja, ...accountsJa, ...needsJa, ...donationsJa, ...connectJa, ...donationsDashboardJa, ...supportersJa, ...updatesJa, ...timelineJa },
};

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** `{name}` placeholders filled from vars; unknown names stay as written. Shared by the page and email dictionaries. */
export function fillPlaceholders(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** A translator for one locale. `{name}` placeholders are filled from vars. */
export function translator(locale: Locale): Translate {
  const dictionary = dictionaries[locale];
  return (key, vars) => {
    const template = dictionary[key];
    if (!vars) return template;
    return fillPlaceholders(template, vars);
  };
}

/** Intl-formatted calendar date ('YYYY-MM-DD') without letting a time zone move the day. */
// NOTE: a new Intl formatter per call costs ~0.2 ms and native memory the GC does not see.
const longDates = new Map<string, Intl.DateTimeFormat>();
export function formatDate(isoDate: string, locale: Locale): string {
  const [year, month, day] = isoDate.slice(0, 10).split("-").map(Number) as [number, number, number];
  let f = longDates.get(locale);
  if (!f) longDates.set(locale, (f = new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone: "UTC" })));
  return f.format(Date.UTC(year, month - 1, day));
}

/**
 * The request's language: the `lang` cookie if it names one we have, then the best
 * Accept-Language match (by q-value, primary subtag), then English.
 */
export function negotiateLocale(cookieHeader: string | null, acceptLanguage: string | null): Locale {
  const fromCookie = readCookie(cookieHeader, LOCALE_COOKIE);
  if (isLocale(fromCookie)) return fromCookie;
  if (acceptLanguage) {
    const ranked = acceptLanguage
      .split(",")
      .map((part, index) => {
        const [tag = "", ...params] = part.trim().split(";");
        const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
        const weight = q ? Number(q.slice(2)) : 1;
        return { primary: tag.trim().toLowerCase().split("-")[0], weight: Number.isFinite(weight) ? weight : 0, index };
      })
      .filter((entry) => entry.weight > 0)
      .sort((a, b) => b.weight - a.weight || a.index - b.index);
    const match = ranked.find((entry) => isLocale(entry.primary));
    if (match) return match.primary as Locale;
  }
  return DEFAULT_LOCALE;
}

function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(";")) {
    const index = pair.indexOf("=");
    if (index > 0 && pair.slice(0, index).trim() === name) {
      try {
        return decodeURIComponent(pair.slice(index + 1).trim());
      } catch {
        return undefined; // a malformed cookie is no preference at all
      }
    }
  }
  return undefined;
}

/** The locale of a Fetch API request (loaders and actions). */
export function requestLocale(request: Request): Locale {
  return negotiateLocale(request.headers.get("cookie"), request.headers.get("accept-language"));
}
