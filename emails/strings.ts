import { fillPlaceholders, type Locale } from "~/locales";

/**
 * Words used in emails, kept apart from the site's strings because an email's language is the
 * recipient's stored locale, not the current visitor's. ja must have every key en has: the
 * `satisfies` below fails the type check otherwise.
 */
const en = {
  "layout.brand": "Tomoni",
  "layout.onBehalfOf": "Sent by Tomoni on behalf of {organisation}.",
  "layout.unsubscribe.lead": "Don't want these emails any more?",
  "layout.unsubscribe.link": "Unsubscribe",
  "layout.noTrackers": "Tomoni emails contain no tracking pixels or tracked links.",

  "test.subject": "A test email from Tomoni",
  "test.subject.named": "{name}: a test email from Tomoni",
  "test.preview": "This is a test email. You do not need to do anything.",
  "test.heading": "This is a test email",
  "test.greeting": "Hello,",
  "test.greeting.named": "Hello {name},",
  "test.body": "A Tomoni operator sent this message to check that email delivery works. You do not need to do anything.",
  "test.messageLabel": "Message from the operator:",
  "test.reason": "You receive this email because a Tomoni operator sent a test message to this address.",
} as const;

export type EmailStringKey = keyof typeof en;

const ja = {
  "layout.brand": "Tomoni（共に）",
  "layout.onBehalfOf": "{organisation} に代わって Tomoni からお送りしています。",
  "layout.unsubscribe.lead": "今後このようなメールが不要な場合は、配信を停止できます。",
  "layout.unsubscribe.link": "配信を停止する",
  "layout.noTrackers": "Tomoni のメールには、開封を追跡する画像やクリックを追跡するリンクは含まれていません。",

  "test.subject": "Tomoni からのテストメール",
  "test.subject.named": "{name} 様：Tomoni からのテストメール",
  "test.preview": "テストメールです。特に対応は必要ありません。",
  "test.heading": "テストメールです",
  "test.greeting": "こんにちは。",
  "test.greeting.named": "{name} 様",
  "test.body": "メールが正しく届くかを確認するため、Tomoni の運営者がこのメッセージを送信しました。特に対応は必要ありません。",
  "test.messageLabel": "運営者からのメッセージ：",
  "test.reason": "Tomoni の運営者がこのアドレス宛てにテストメッセージを送信したため、このメールをお送りしています。",
} as const satisfies Record<EmailStringKey, string>;

export const emailStrings: Record<Locale, Record<EmailStringKey, string>> = { en, ja };

export type EmailTranslate = (key: EmailStringKey, vars?: Record<string, string | number>) => string;

/** `{name}` placeholders are filled from vars; the values are plain text (React escapes them). */
export function emailTranslator(locale: Locale): EmailTranslate {
  const dictionary = emailStrings[locale];
  return (key, vars) => {
    const template = dictionary[key];
    if (!vars) return template;
    return fillPlaceholders(template, vars);
  };
}
