import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Fragment } from "react";
import { useT } from "~/components/i18n";
import { requireDevMail } from "~/email/devmail.server";
import { isLocale, requestLocale } from "~/locales";
import { getMailboxMessage } from "~/models/mailbox.server";

/** One local-mailbox message: headers, the text version, and the HTML in a sandboxed frame. */

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.message.subject ?? "Tomoni"} — Tomoni` }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  requireDevMail(context.env);
  const id = /^\d{1,15}$/.test(params.id ?? "") ? Number(params.id) : null;
  const message = id === null ? undefined : await getMailboxMessage(context.db, id);
  if (!message) throw new Response("Not Found", { status: 404 });
  const time = new Intl.DateTimeFormat(requestLocale(request), { dateStyle: "medium", timeStyle: "long" });
  return {
    message: {
      id: message.id,
      messageId: message.message_id,
      sender: message.sender,
      recipient: message.recipient,
      subject: message.subject,
      locale: isLocale(message.locale) ? message.locale : null,
      at: message.created_at.toISOString(),
      atLabel: time.format(message.created_at),
      headers: Object.entries(message.headers).map(([name, value]) => [name, String(value)] as const),
      text: message.text,
    },
  };
}

const URL_PATTERN = /(https?:\/\/[^\s<>"]+)/g;

/** The text version with its links clickable (the HTML frame's sandbox keeps its links inert). */
function LinkedText({ text }: { text: string }) {
  return (
    <>
      {text.split(URL_PATTERN).map((part, index) =>
        index % 2 === 1 ? (
          <a key={index} href={part} rel="noreferrer">
            {part}
          </a>
        ) : (
          <Fragment key={index}>{part}</Fragment>
        ),
      )}
    </>
  );
}

export default function MailboxMessage() {
  const { message } = useLoaderData<typeof loader>();
  const t = useT();
  const htmlUrl = `/dev/mail/${message.id}/html`;
  return (
    <article className="devmail">
      <p>
        <Link to="/dev/mail">{t("devmail.back")}</Link>
      </p>
      <h1 className="break">{message.subject}</h1>
      <dl className="mail-meta">
        <dt>{t("devmail.header.from")}</dt>
        <dd className="break">{message.sender}</dd>
        <dt>{t("devmail.header.to")}</dt>
        <dd className="break">{message.recipient}</dd>
        <dt>{t("devmail.header.date")}</dt>
        <dd>
          <time dateTime={message.at}>{message.atLabel}</time>
        </dd>
        <dt>{t("devmail.header.language")}</dt>
        <dd>{message.locale ? t(`language.${message.locale}`) : "—"}</dd>
        <dt>{t("devmail.header.messageId")}</dt>
        <dd className="break">
          <code>{message.messageId}</code>
        </dd>
      </dl>

      {message.headers.length > 0 ? (
        <section aria-labelledby="mail-headers">
          <h2 id="mail-headers">{t("devmail.message.headers")}</h2>
          <div className="table-scroll">
            <table className="data-table">
              <caption className="visually-hidden">{t("devmail.message.headersCaption")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("devmail.message.header")}</th>
                  <th scope="col">{t("devmail.message.value")}</th>
                </tr>
              </thead>
              <tbody>
                {message.headers.map(([name, value]) => (
                  <tr key={name}>
                    <th scope="row">
                      <code>{name}</code>
                    </th>
                    <td className="break">
                      <code>{value}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}

      <section aria-labelledby="mail-html">
        <h2 id="mail-html">{t("devmail.message.html")}</h2>
        {/* sandbox="" : no scripts, no forms, no navigation of this page, an opaque origin. */}
        <iframe className="mail-frame" src={htmlUrl} sandbox="" title={t("devmail.message.htmlFrame", { subject: message.subject })} />
        <p>
          <a href={htmlUrl}>{t("devmail.message.openHtml")}</a>
        </p>
      </section>

      <section aria-labelledby="mail-text">
        <h2 id="mail-text">{t("devmail.message.text")}</h2>
        <pre className="mail-text">
          <LinkedText text={message.text} />
        </pre>
      </section>
    </article>
  );
}
