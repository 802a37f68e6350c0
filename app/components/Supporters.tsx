import { formatDate } from "~/locales";
import type { Supporter } from "~/models/supporters.server";
import { useLocale, useT } from "./i18n";

/** Who gave, newest first: a public name or "Anonymous", the item they chose, their message. */
export function Supporters({ supporters }: { supporters: Supporter[] }) {
  const t = useT();
  const locale = useLocale();
  return (
    <section aria-labelledby="supporters" className="supporters">
      <h2 id="supporters">{t("supporters.title")}</h2>
      {supporters.length === 0 ? (
        <p>{t("supporters.empty")}</p>
      ) : (
        <ol className="supporter-list">
          {supporters.map((s, index) => (
            <li key={index} className="supporter">
              <p className="supporter-head">
                <strong>{s.name ?? t("supporters.anonymous")}</strong>
                {s.itemName ? <span className="supporter-item"> · {t("supporters.for", { item: s.itemName })}</span> : null}
                {" · "}
                <time dateTime={s.date}>{formatDate(s.date, locale)}</time>
              </p>
              {s.message ? <blockquote className="supporter-message">{s.message}</blockquote> : null}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
