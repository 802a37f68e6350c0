import { Form } from "@remix-run/react";
import type { MessageKey } from "~/locales";
import { EmailField, ErrorSummary } from "./forms";
import { useT } from "./i18n";

/**
 * Follow a need or an organisation by email: one address and a button, no donation needed.
 * Posts to /follow?need=<slug> (or ?organisation=<slug>), which answers with its own page, so
 * it works without JavaScript. The address field is named followEmail because on the need page
 * it sits next to the donate form, whose email field already has the id "email".
 */

export const FOLLOW_EMAIL_FIELD = "followEmail";
/** The honeypot: off screen, skipped by keyboards and assistive technology; only a bot fills it in. */
export const FOLLOW_HONEYPOT = "followHomepage";

export interface FollowFormProps {
  target: { kind: "need" | "organisation"; slug: string; organisationName: string };
  values?: Record<string, string>;
  errors?: Partial<Record<string, MessageKey>>;
  formError?: MessageKey;
  formErrorVars?: Record<string, string | number>;
  /** The heading level: the form is a section of the need page, the page itself on /follow. */
  standalone?: boolean;
}

export function followAction(target: FollowFormProps["target"]): string {
  return `/follow?${target.kind}=${encodeURIComponent(target.slug)}`;
}

export function FollowForm({ target, values, errors, formError, formErrorVars, standalone }: FollowFormProps) {
  const t = useT();
  const Heading = standalone ? "h1" : "h2";
  return (
    <section aria-labelledby="follow" className="follow-form">
      <Heading id="follow">{t("follow.title")}</Heading>
      <p className="hint">{t(target.kind === "need" ? "follow.intro.need" : "follow.intro.organisation", { organisation: target.organisationName })}</p>
      <ErrorSummary errors={errors} order={[FOLLOW_EMAIL_FIELD]} formError={formError} vars={formErrorVars} />
      <Form method="post" action={followAction(target)} noValidate className="follow-fields">
        <EmailField
          name={FOLLOW_EMAIL_FIELD}
          label={t("follow.email")}
          autoComplete="email"
          required
          defaultValue={values?.[FOLLOW_EMAIL_FIELD]}
          error={errors?.[FOLLOW_EMAIL_FIELD]}
        />
        <div className="follow-hp" aria-hidden="true">
          <label htmlFor={FOLLOW_HONEYPOT}>{t("follow.honeypot")}</label>
          <input id={FOLLOW_HONEYPOT} name={FOLLOW_HONEYPOT} type="text" tabIndex={-1} autoComplete="off" defaultValue="" />
        </div>
        <div className="form-actions">
          <button type="submit" className="secondary-button">
            {t("follow.submit")}
          </button>
        </div>
      </Form>
    </section>
  );
}
