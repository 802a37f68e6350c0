/**
 * Strings for creating and managing needs, the dashboard's needs views and the public
 * need/organisation pages added in issue 4. Kept apart so parallel work does not collide;
 * index.ts merges every area's dictionary.
 */
export const needsEn = {
  "needs.new": "New need",
} as const;

export const needsJa = {
  "needs.new": "新しい募集",
} as const satisfies Record<keyof typeof needsEn, string>;
