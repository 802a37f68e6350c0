/**
 * Strings for the public list of supporters on a need page. Keys start with "supporters.".
 */
export const supportersEn = {
  "supporters.title": "Supporters",
  "supporters.empty": "No gifts yet. Yours could be the first.",
  "supporters.anonymous": "Anonymous",
  "supporters.for": "for {item}",
  "supporters.caption": "The most recent {count} gifts",
} as const;

export const supportersJa: Record<keyof typeof supportersEn, string> = {
  "supporters.title": "支援してくださった方",
  "supporters.empty": "まだご寄付はありません。最初の支援者になってください。",
  "supporters.anonymous": "匿名",
  "supporters.for": "「{item}」へ",
  "supporters.caption": "最近のご寄付 {count} 件",
};
