import { fillPlaceholders, type Locale } from "~/locales";

/**
 * Words of the follow-confirmation email, in their own file so the timeline work does not edit
 * the shared emails/strings.ts. ja must have every key en has (the `satisfies` below).
 */
const en = {
  "followConfirm.subject": "Confirm: follow {target} on Tomoni",
  "followConfirm.preview": "One click to start receiving updates about {target}.",
  "followConfirm.heading": "Confirm that you want to follow {target}",
  "followConfirm.body.need": "Someone — hopefully you — asked to receive updates from {organisation} about “{need}” at this address.",
  "followConfirm.body.organisation": "Someone — hopefully you — asked to receive updates from {organisation} at this address.",
  "followConfirm.button": "Confirm and follow",
  "followConfirm.after": "You will get an email when there is news. Every email has a link to unsubscribe.",
  "followConfirm.ignore": "If you did not ask for this, ignore this email: nothing is sent until the button is pressed.",
  "followConfirm.reason": "You receive this email because this address was entered on Tomoni to follow {target}.",
} as const;

type FollowEmailKey = keyof typeof en;

const ja = {
  "followConfirm.subject": "確認のお願い：Tomoni で {target} をフォロー",
  "followConfirm.preview": "ボタンを押すと、{target} の報告が届くようになります。",
  "followConfirm.heading": "{target} のフォローを確認してください",
  "followConfirm.body.need": "このメールアドレスで、{organisation} の「{need}」についての報告を受け取るお申し込みがありました。",
  "followConfirm.body.organisation": "このメールアドレスで、{organisation} からの報告を受け取るお申し込みがありました。",
  "followConfirm.button": "確認してフォローする",
  "followConfirm.after": "新しい報告があるとメールでお知らせします。すべてのメールに配信停止のリンクがあります。",
  "followConfirm.ignore": "心当たりがない場合は、このメールを無視してください。ボタンが押されるまで、メールはお送りしません。",
  "followConfirm.reason": "Tomoni で {target} をフォローするために、このメールアドレスが入力されたため、このメールをお送りしています。",
} as const satisfies Record<FollowEmailKey, string>;

const dictionaries: Record<Locale, Record<FollowEmailKey, string>> = { en, ja };

export type FollowEmailTranslate = (key: FollowEmailKey, vars?: Record<string, string | number>) => string;

export function followEmailTranslator(locale: Locale): FollowEmailTranslate {
  const dictionary = dictionaries[locale];
  return (key, vars) =>
    vars ? fillPlaceholders(dictionary[key], vars) : dictionary[key];
}
