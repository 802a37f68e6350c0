import { fillPlaceholders, type Locale } from "~/locales";

/**
 * Words of the payment emails (receipt, goal met), in their own file so the payments work does
 * not edit the shared emails/strings.ts. ja must have every key en has (the `satisfies` below).
 */
const en = {
  "receipt.subject": "Your donation to {organisation}: receipt",
  "receipt.preview": "{total} to {organisation} for “{need}”. Thank you.",
  "receipt.heading": "Thank you for your donation",
  "receipt.greeting": "Hello {name},",
  "receipt.greeting.anonymous": "Hello,",
  "receipt.body": "{organisation} has received your donation to “{need}”. This email is your record of the payment.",
  "receipt.row": "{label}: ",
  "receipt.amount": "Donation",
  "receipt.feeCover": "Processing fee you covered",
  "receipt.total": "Total charged",
  "receipt.date": "Date",
  "receipt.reference": "Reference",
  "receipt.referenceValue": "Donation #{id}",
  "receipt.merchant": "The payment went directly to {organisation} through Stripe; Tomoni never held the money.",
  "receipt.taxNo": "This donation is not tax-deductible.",
  "receipt.taxYes": "{organisation} has told Tomoni that this donation is tax-deductible. Keep this email with your records.",
  "receipt.public": "Your name is shown with your donation on the need's page.",
  "receipt.anonymous": "Your donation is shown as anonymous to the public. The organisers can still see your name.",
  "receipt.button": "See the need and its updates",
  "receipt.reason": "You receive this email because you donated to {organisation} on Tomoni.",

  "goalMet.subject": "Goal met: {need}",
  "goalMet.preview": "“{need}” has reached its goal of {goal}.",
  "goalMet.heading": "“{need}” has reached its goal",
  "goalMet.backer.body": "Thank you: with your help, “{need}” by {organisation} has reached its goal of {goal}.",
  "goalMet.backer.next": "The organisers will post dated updates as they buy and deliver what was needed.",
  "goalMet.organiser.body": "“{need}” has reached its goal of {goal}: {raised} has been raised. Its status is now “Fully funded”.",
  "goalMet.organiser.next": "Post an update when you buy and deliver the items, so your backers can see what their money did.",
  "goalMet.button": "See the need",
  "goalMet.backer.reason": "You receive this email once because you donated to this need on Tomoni.",
  "goalMet.organiser.reason": "You receive this email because you are a member of {organisation} on Tomoni.",
} as const;

export type PaymentsEmailKey = keyof typeof en;

const ja = {
  "receipt.subject": "{organisation} へのご寄付の明細",
  "receipt.preview": "「{need}」へのご寄付 {total} を受け付けました。ありがとうございます。",
  "receipt.heading": "ご寄付ありがとうございます",
  "receipt.greeting": "{name} 様",
  "receipt.greeting.anonymous": "こんにちは。",
  "receipt.body": "{organisation} の「{need}」へのご寄付を受け付けました。このメールはお支払いの記録です。",
  "receipt.row": "{label}：",
  "receipt.amount": "ご寄付の金額",
  "receipt.feeCover": "ご負担いただいた決済手数料",
  "receipt.total": "お支払い合計",
  "receipt.date": "日時",
  "receipt.reference": "受付番号",
  "receipt.referenceValue": "寄付 #{id}",
  "receipt.merchant": "お支払いは Stripe を通じて {organisation} に直接届いています。Tomoni がお金を預かることはありません。",
  "receipt.taxNo": "このご寄付は税控除（寄附金控除）の対象ではありません。",
  "receipt.taxYes": "{organisation} より、このご寄付は税控除の対象であると伺っています。このメールを大切に保管してください。",
  "receipt.public": "募集ページには、ご寄付とともにお名前が表示されます。",
  "receipt.anonymous": "募集ページでは匿名で表示されます。お名前は運営団体のみが確認できます。",
  "receipt.button": "募集ページと活動報告を見る",
  "receipt.reason": "Tomoni で {organisation} にご寄付いただいたため、このメールをお送りしています。",

  "goalMet.subject": "目標達成：{need}",
  "goalMet.preview": "「{need}」が目標金額 {goal} に達しました。",
  "goalMet.heading": "「{need}」が目標金額に達しました",
  "goalMet.backer.body": "ありがとうございます。皆さまのご支援により、{organisation} の「{need}」が目標金額 {goal} に達しました。",
  "goalMet.backer.next": "今後、購入やお届けの状況は運営団体が日付入りの活動報告でお知らせします。",
  "goalMet.organiser.body": "「{need}」が目標金額 {goal} に達しました（集まった金額：{raised}）。募集の状態は「目標達成」になりました。",
  "goalMet.organiser.next": "品物を購入・お届けしたら活動報告を投稿し、ご支援がどのように役立ったかを支援者の皆さまにお伝えください。",
  "goalMet.button": "募集ページを見る",
  "goalMet.backer.reason": "Tomoni でこの募集にご寄付いただいたため、このメールを一度だけお送りしています。",
  "goalMet.organiser.reason": "Tomoni で {organisation} のメンバーとして登録されているため、このメールをお送りしています。",
} as const satisfies Record<PaymentsEmailKey, string>;

export const paymentsEmailStrings: Record<Locale, Record<PaymentsEmailKey, string>> = { en, ja };

export type PaymentsEmailTranslate = (key: PaymentsEmailKey, vars?: Record<string, string | number>) => string;

/** `{name}` placeholders are filled from vars; the values are plain text (React escapes them). */
export function paymentsEmailTranslator(locale: Locale): PaymentsEmailTranslate {
  const dictionary = paymentsEmailStrings[locale];
  return (key, vars) =>
    vars ? fillPlaceholders(dictionary[key], vars) : dictionary[key];
}

/** A point in time as the donor reads it. Japan's time zone: the platform serves Japanese groups and no organisation sets its own yet. */
export function formatPaidAt(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "long", timeStyle: "short", timeZone: "Asia/Tokyo" }).format(new Date(iso)) + (locale === "ja" ? "（日本時間）" : " (Japan time)");
}
