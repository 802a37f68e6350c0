/**
 * Choices shared by the server and the browser (the home page's sort menu, the new-need
 * form's rows). Kept out of *.server.ts modules: the browser bundle replaces those with
 * empty ones, so a component reading a constant from one would see undefined.
 */
export const NEED_SORTS = ["newest", "nearly_funded", "ending_soon"] as const;
export type NeedSort = (typeof NEED_SORTS)[number];

/** Blank item rows on a new need's form; "add another item" adds one more, up to the cap. */
export const DEFAULT_ITEM_ROWS = 3;
export const MAX_ITEM_ROWS = 30;
