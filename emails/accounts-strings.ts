import { fillPlaceholders, type Locale } from "~/locales";
import { emailStrings, type EmailTranslate } from "./strings";

/**
 * Words of the organiser-account emails (sign-up, password reset, invitation), kept in their own file
 * so the accounts work does not edit the shared emails/strings.ts. ja must have every key.
 */
const en = {
  "signupConfirm.subject": "Confirm your email address for Tomoni",
  "signupConfirm.preview": "One click to finish creating your organiser account. The link works for {hours} hours.",
  "signupConfirm.heading": "Finish creating your account",
  "signupConfirm.body": "Someone — hopefully you — asked to create a Tomoni organiser account with this address. Use the button below to confirm it is yours; the account is created then, and you are logged in.",
  "signupConfirm.button": "Confirm and create my account",
  "signupConfirm.expiry": "The link works once and expires {hours} hours after it was sent.",
  "signupConfirm.ignore": "If you did not ask for this, you can ignore this email: no account is created.",
  "signupConfirm.reason": "You receive this email because an organiser account was requested for this address on Tomoni.",
  "signupExisting.subject": "You already have a Tomoni account",
  "signupExisting.preview": "Someone tried to sign up with this address, which already has an account.",
  "signupExisting.heading": "You already have an account",
  "signupExisting.body": "Someone — hopefully you — tried to create a Tomoni organiser account with this address. It already has one, so nothing was changed.",
  "signupExisting.login": "Log in",
  "signupExisting.forgot": "Forgotten your password? Choose a new one here:",
  "signupExisting.ignore": "If it was not you, you can ignore this email: your account and password stay as they are.",
  "signupExisting.reason": "You receive this email because someone tried to sign up with this address on Tomoni.",
  "passwordReset.subject": "Reset your Tomoni password",
  "passwordReset.preview": "A link to choose a new password. It works once, for {minutes} minutes.",
  "passwordReset.heading": "Reset your password",
  "passwordReset.body": "Someone — hopefully you — asked to reset the password of the Tomoni account for this address. Use the button below to choose a new one.",
  "passwordReset.button": "Choose a new password",
  "passwordReset.expiry": "The link works once and expires {minutes} minutes after it was sent.",
  "passwordReset.ignore": "If you did not ask for this, you can ignore this email: your password stays as it is.",
  "passwordReset.reason": "You receive this email because a password reset was requested for this address on Tomoni.",
  "invitation.subject": "Join {organisation} on Tomoni",
  "invitation.preview": "{inviter} invited you to help run {organisation} on Tomoni.",
  "invitation.heading": "You are invited to join {organisation}",
  "invitation.body": "{inviter} invited you to help run {organisation} on Tomoni as {role}.",
  "invitation.body.anonymous": "You have been invited to help run {organisation} on Tomoni as {role}.",
  "invitation.role.owner": "an owner (can manage members and settings)",
  "invitation.role.organiser": "an organiser (can post needs and updates)",
  "invitation.button": "Accept the invitation",
  "invitation.account": "Log in or sign up with this email address to accept.",
  "invitation.expiry": "The link works once and expires in {days} days.",
  "invitation.ignore": "If you were not expecting this, you can ignore this email.",
  "invitation.reason": "You receive this email because a member of {organisation} invited this address on Tomoni.",
} as const;

type AccountsEmailKey = keyof typeof en;

const ja = {
  "signupConfirm.subject": "Tomoni のメールアドレスの確認",
  "signupConfirm.preview": "ワンクリックでオーガナイザーのアカウント作成が完了します。リンクは {hours} 時間有効です。",
  "signupConfirm.heading": "アカウント作成を完了してください",
  "signupConfirm.body": "このメールアドレスで Tomoni のオーガナイザーのアカウント作成が依頼されました。ご本人であれば、下のボタンで確認してください。確認するとアカウントが作成され、ログインした状態になります。",
  "signupConfirm.button": "確認してアカウントを作成する",
  "signupConfirm.expiry": "このリンクは一度だけ使え、送信から {hours} 時間で無効になります。",
  "signupConfirm.ignore": "心当たりがない場合は、このメールを無視してください。アカウントは作成されません。",
  "signupConfirm.reason": "Tomoni でこのメールアドレスのオーガナイザーのアカウントが依頼されたため、このメールをお送りしています。",
  "signupExisting.subject": "Tomoni のアカウントはすでにあります",
  "signupExisting.preview": "すでにアカウントがあるこのメールアドレスで、新規登録が試みられました。",
  "signupExisting.heading": "アカウントはすでにあります",
  "signupExisting.body": "このメールアドレスで Tomoni のオーガナイザーのアカウント作成が試みられましたが、すでにアカウントがあるため、何も変更していません。",
  "signupExisting.login": "ログインする",
  "signupExisting.forgot": "パスワードをお忘れの場合は、こちらから新しいパスワードを設定できます:",
  "signupExisting.ignore": "心当たりがない場合は、このメールを無視してください。アカウントとパスワードはそのままです。",
  "signupExisting.reason": "Tomoni でこのメールアドレスによる新規登録が試みられたため、このメールをお送りしています。",
  "passwordReset.subject": "Tomoni のパスワード再設定",
  "passwordReset.preview": "新しいパスワードを設定するためのリンクです。{minutes} 分間、一度だけ使えます。",
  "passwordReset.heading": "パスワードの再設定",
  "passwordReset.body": "このメールアドレスの Tomoni アカウントについて、パスワードの再設定が依頼されました。下のボタンから新しいパスワードを設定してください。",
  "passwordReset.button": "新しいパスワードを設定する",
  "passwordReset.expiry": "このリンクは一度だけ使え、送信から {minutes} 分で無効になります。",
  "passwordReset.ignore": "心当たりがない場合は、このメールを無視してください。パスワードは変更されません。",
  "passwordReset.reason": "Tomoni でこのメールアドレスのパスワード再設定が依頼されたため、このメールをお送りしています。",
  "invitation.subject": "Tomoni で {organisation} に参加しませんか",
  "invitation.preview": "{inviter} さんから、Tomoni で {organisation} の運営メンバーへの招待が届いています。",
  "invitation.heading": "{organisation} への招待",
  "invitation.body": "{inviter} さんから、Tomoni で {organisation} の{role}として参加するよう招待されました。",
  "invitation.body.anonymous": "Tomoni で {organisation} の{role}として参加するよう招待されました。",
  "invitation.role.owner": "オーナー（メンバーと設定を管理できます）",
  "invitation.role.organiser": "オーガナイザー（募集と活動報告を投稿できます）",
  "invitation.button": "招待を受ける",
  "invitation.account": "招待を受けるには、このメールアドレスでログインまたは新規登録してください。",
  "invitation.expiry": "このリンクは一度だけ使え、{days} 日後に無効になります。",
  "invitation.ignore": "心当たりがない場合は、このメールを無視してください。",
  "invitation.reason": "{organisation} のメンバーが Tomoni でこのメールアドレスを招待したため、このメールをお送りしています。",
} as const satisfies Record<AccountsEmailKey, string>;

const dictionaries: Record<Locale, Record<AccountsEmailKey, string>> = { en, ja };

export type AccountsEmailTranslate = (key: AccountsEmailKey, vars?: Record<string, string | number>) => string;

export function accountsEmailTranslator(locale: Locale): AccountsEmailTranslate {
  const dictionary = dictionaries[locale];
  return (key, vars) =>
    vars ? fillPlaceholders(dictionary[key], vars) : dictionary[key];
}

/**
 * A template's subject() is handed the shared translator but not the locale. The locale is
 * recovered from a string that differs per language, so these strings can live here.
 */
export function localeOfTranslator(t: EmailTranslate): Locale {
  return t("layout.brand") === emailStrings.ja["layout.brand"] ? "ja" : "en";
}

export const buttonStyle = {
  backgroundColor: "#1f5f8b",
  borderRadius: "6px",
  color: "#ffffff",
  display: "inline-block",
  fontSize: "16px",
  fontWeight: 600,
  padding: "12px 20px",
  textDecoration: "none",
} as const;

export const linkTextStyle = { overflowWrap: "anywhere", wordBreak: "break-all", color: "#4a5058", fontSize: "13px", lineHeight: "20px" } as const;
