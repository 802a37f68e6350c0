/**
 * The organisation form's fields in page order. Not a .server module: the page's error
 * summary needs the order in the browser too (a .server export is undefined there).
 */
export const ORGANISATION_FIELDS = ["name", "slug", "summary", "region", "website", "contactEmail", "about"] as const;
export type OrganisationFieldName = (typeof ORGANISATION_FIELDS)[number];
