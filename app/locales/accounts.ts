/**
 * Strings for organiser accounts, organisations and needs management (issue 4).
 * Kept apart from en.ts/ja.ts so work on different areas does not collide; index.ts merges them.
 */
export const accountsEn = {
  "nav.dashboard": "Dashboard",
} as const;

export const accountsJa = {
  "nav.dashboard": "ダッシュボード",
} as const satisfies Record<keyof typeof accountsEn, string>;
