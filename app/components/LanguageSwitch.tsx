import { Form, useLocation } from "@remix-run/react";
import { useLocale, useT } from "./i18n";
import { LOCALES, type Locale } from "~/locales";

const NAMES: Record<Locale, string> = { en: "English", ja: "日本語" };

/** A plain form: it works without JavaScript and returns the visitor to the same page. */
export function LanguageSwitch() {
  const t = useT();
  const current = useLocale();
  const location = useLocation();
  return (
    <Form method="post" action="/locale" className="language-switch" aria-label={t("lang.switch")} reloadDocument>
      <input type="hidden" name="redirectTo" value={location.pathname + location.search} />
      {LOCALES.map((locale) => (
        <button
          key={locale}
          type="submit"
          name="locale"
          value={locale}
          lang={locale}
          aria-pressed={locale === current}
          className={locale === current ? "current" : undefined}
        >
          {NAMES[locale]}
        </button>
      ))}
    </Form>
  );
}
