import { z } from "zod";
import { RESERVED_ORGANISATION_SLUGS, type OrganisationInput } from "~/models/organisations.server";
import { emailField } from "./accounts.server";
import { msg } from "./parse.server";

/** The organisation form (create and settings). */

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * Things that locate a building rather than a city (design.md: a shelter must never be
 * findable from its page): a Japanese postcode (〒, 123-4567), block numbers (3丁目, 5番地,
 * 2-chome, 1-2-3), room numbers (101号室), or a number followed by a street word.
 * Checked after NFKC, so full-width digits (１２３) and hyphens count too.
 */
const ADDRESS_PATTERNS = [
  /〒/,
  /\d{3}\s*[-‐‑–—ー−]\s*\d{4}/,
  /[\d一二三四五六七八九十〇]+\s*(丁目|番地|番町?|号室?)/,
  /\d+\s*-?\s*ch(o|ō|ou|oo)me\b/i,
  /\bbanchi\b/i,
  /\d+\s*[-‐‑–—ー−]\s*\d+(\s*[-‐‑–—ー−]\s*\d+)?/,
  /\b\d+[a-z]?\s+[\p{L}.'-]+(\s+[\p{L}.'-]+)*\s+(street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way)\b\.?/iu,
];

export function looksLikeStreetAddress(value: string): boolean {
  const normalised = value.normalize("NFKC");
  return ADDRESS_PATTERNS.some((pattern) => pattern.test(normalised));
}

/** A slug made from an ASCII name ("Osaka Café 2" → "osaka-caf-2"); empty for names without ASCII letters. */
export function slugFromName(name: string): string {
  return name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
}

const optionalText = (max: number) => z.string().trim().max(max, msg("error.tooLong")).default("");

export const organisationSchema = z
  .object({
    name: z.string({ error: msg("error.name") }).trim().min(1, msg("error.name")).max(120, msg("error.tooLong")),
    slug: z
      .string()
      .trim()
      .toLowerCase()
      .default("")
      .refine((value) => value === "" || (value.length <= 60 && SLUG.test(value)), msg("error.slug"))
      .refine((value) => !RESERVED_ORGANISATION_SLUGS.has(value), msg("error.slugReserved")),
    summary: optionalText(280),
    about: optionalText(20_000),
    website: z
      .string()
      .trim()
      .max(300, msg("error.tooLong"))
      .default("")
      .refine((value) => value === "" || z.url({ protocol: /^https?$/, hostname: z.regexes.domain }).safeParse(value).success, msg("error.website")),
    region: optionalText(80).refine((value) => !looksLikeStreetAddress(value), msg("error.region.address")),
    contactEmail: z.string().trim().default("").pipe(z.union([z.literal(""), emailField])),
  })
  .transform((value, ctx): OrganisationInput => {
    // Runs only once every field is valid (zod skips transforms after an issue), so a slug
    // made from the name is the one thing left to check here.
    const slug = value.slug || slugFromName(value.name);
    if (!slug) ctx.addIssue({ code: "custom", path: ["slug"], message: msg("error.slugFromName") });
    else if (RESERVED_ORGANISATION_SLUGS.has(slug)) ctx.addIssue({ code: "custom", path: ["slug"], message: msg("error.slugReserved") });
    return {
      name: value.name,
      slug,
      summary: value.summary,
      about: value.about,
      website: value.website || null,
      region: value.region,
      contactEmail: value.contactEmail || null,
    };
  });
