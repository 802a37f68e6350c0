import { fillPlaceholders, type Locale } from "~/locales";

/**
 * Words of the new-update email, in their own file so the updates work does not edit the shared
 * emails/strings.ts. ja must have every key en has (the `satisfies` below).
 */
const en = {
  "newUpdate.subject.need": "Update on “{need}”: {title}",
  "newUpdate.subject.organisation": "News from {organisation}: {title}",
  "newUpdate.preview.need": "{organisation} posted an update about “{need}”.",
  "newUpdate.preview.organisation": "{organisation} posted news.",
  "newUpdate.lead.need": "{organisation} posted an update about “{need}”.",
  "newUpdate.lead.organisation": "{organisation} posted news.",
  "newUpdate.date": "Date: {date}",
  "newUpdate.step.purchased": "The need is now marked as purchased.",
  "newUpdate.step.delivered": "The need is now marked as delivered.",
  "newUpdate.step.closed": "The need is now completed.",
  "newUpdate.spendNote": "Spending: {note}",
  "newUpdate.button": "Read it on Tomoni",
  "newUpdate.reason.need": "You receive this email because you asked for updates about “{need}” or from {organisation} on Tomoni.",
  "newUpdate.reason.organisation": "You receive this email because you asked for updates from {organisation} on Tomoni.",
} as const;

type UpdatesEmailKey = keyof typeof en;

const ja = {
  "newUpdate.subject.need": "「{need}」の活動報告：{title}",
  "newUpdate.subject.organisation": "{organisation} からのお知らせ：{title}",
  "newUpdate.preview.need": "{organisation} が「{need}」の活動報告を投稿しました。",
  "newUpdate.preview.organisation": "{organisation} がお知らせを投稿しました。",
  "newUpdate.lead.need": "{organisation} が「{need}」の活動報告を投稿しました。",
  "newUpdate.lead.organisation": "{organisation} がお知らせを投稿しました。",
  "newUpdate.date": "日付：{date}",
  "newUpdate.step.purchased": "この募集は「購入済み」になりました。",
  "newUpdate.step.delivered": "この募集は「お届け済み」になりました。",
  "newUpdate.step.closed": "この募集は完了しました。",
  "newUpdate.spendNote": "使いみち：{note}",
  "newUpdate.button": "Tomoni で読む",
  "newUpdate.reason.need": "Tomoni で「{need}」または {organisation} の活動報告の受け取りを希望されたため、このメールをお送りしています。",
  "newUpdate.reason.organisation": "Tomoni で {organisation} の活動報告の受け取りを希望されたため、このメールをお送りしています。",
} as const satisfies Record<UpdatesEmailKey, string>;

export const updatesEmailStrings: Record<Locale, Record<UpdatesEmailKey, string>> = { en, ja };

export type UpdatesEmailTranslate = (key: UpdatesEmailKey, vars?: Record<string, string | number>) => string;

/** `{name}` placeholders are filled from vars; the values are plain text (React escapes them). */
export function updatesEmailTranslator(locale: Locale): UpdatesEmailTranslate {
  const dictionary = updatesEmailStrings[locale];
  return (key, vars) =>
    vars ? fillPlaceholders(dictionary[key], vars) : dictionary[key];
}
