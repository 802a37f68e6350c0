import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useT } from "~/components/i18n";
import { previewKinds, requireDevMail } from "~/email/devmail.server";
import { LOCALES, isLocale, requestLocale, translator } from "~/locales";
import { listMailbox } from "~/models/mailbox.server";

/** The local mailbox: every email the outbox "sent" while no Resend key was set. */

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? "Tomoni"} — Tomoni` }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  requireDevMail(context.env);
  const locale = requestLocale(request);
  const t = translator(locale);
  // Formatted here, once, so the browser's time zone cannot make hydration disagree.
  const time = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "long" });
  const messages = await listMailbox(context.db, { limit: 200 });
  return {
    title: t("devmail.title"),
    kinds: previewKinds(),
    messages: messages.map((m) => ({
      id: m.id,
      recipient: m.recipient,
      subject: m.subject,
      locale: isLocale(m.locale) ? m.locale : null,
      at: m.created_at.toISOString(),
      atLabel: time.format(m.created_at),
    })),
  };
}

export default function Mailbox() {
  const { messages, kinds } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <div className="devmail">
      <h1>{t("devmail.title")}</h1>
      <p>{t("devmail.intro")}</p>

      <section aria-labelledby="devmail-messages">
        <h2 id="devmail-messages">{t("devmail.messages")}</h2>
        {messages.length === 0 ? (
          <p>{t("devmail.empty")}</p>
        ) : (
          <div className="table-scroll">
            <table className="data-table">
              <caption className="visually-hidden">{t("devmail.caption")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("devmail.col.to")}</th>
                  <th scope="col">{t("devmail.col.subject")}</th>
                  <th scope="col">{t("devmail.col.language")}</th>
                  <th scope="col">{t("devmail.col.time")}</th>
                </tr>
              </thead>
              <tbody>
                {messages.map((m) => (
                  <tr key={m.id}>
                    <td className="break">{m.recipient}</td>
                    <td className="break">
                      <Link to={`/dev/mail/${m.id}`}>{m.subject}</Link>
                    </td>
                    <td>{m.locale ? t(`language.${m.locale}`) : "—"}</td>
                    <td>
                      <time dateTime={m.at}>{m.atLabel}</time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="devmail-previews">
        <h2 id="devmail-previews">{t("devmail.previews.title")}</h2>
        <p>{t("devmail.previews.intro")}</p>
        <ul className="preview-list">
          {kinds.map((kind) => (
            <li key={kind}>
              <code>{kind}</code>
              <ul>
                {LOCALES.map((locale) => (
                  <li key={locale}>
                    {/* Plain links: previews are resource routes, not pages of this app. */}
                    <a href={`/dev/mail/previews/${kind}?locale=${locale}`}>{t("devmail.previews.html", { language: t(`language.${locale}`) })}</a>
                    {" · "}
                    <a href={`/dev/mail/previews/${kind}?locale=${locale}&format=text`}>
                      {t("devmail.previews.text", { language: t(`language.${locale}`) })}
                    </a>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
