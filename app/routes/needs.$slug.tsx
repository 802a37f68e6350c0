import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useLocale, useT } from "~/components/i18n";
import { NeedProgress } from "~/components/NeedProgress";
import { Markdown } from "~/components/Markdown";
import { formatDate } from "~/locales";
import { renderMarkdown } from "~/markdown.server";
import { getPublicNeed } from "~/models/needs.server";
import { formatMoney } from "~/money";

export const meta: MetaFunction<typeof loader> = ({ data }) =>
  data ? [{ title: `${data.need.title} — Tomoni` }, { name: "description", content: data.need.summary }] : [];

export async function loader({ params, context }: LoaderFunctionArgs) {
  const need = await getPublicNeed(context.db, params.slug ?? "");
  if (!need) throw new Response("Not Found", { status: 404 });
  return {
    need: {
      ...need,
      story: renderMarkdown(need.story),
      updates: need.updates.map((update) => ({ ...update, body: renderMarkdown(update.body) })),
    },
    today: new Date().toISOString().slice(0, 10),
  };
}

export default function NeedPage() {
  const { need, today } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const money = (minor: number) => formatMoney(minor, need.currency, locale);
  return (
    <article className="need-page">
      <header>
        <p className="status">{t(`need.status.${need.status}`)}</p>
        <h1>{need.title}</h1>
        <p className="organisation">
          {t("need.by", { organisation: need.organisation.name })}
          {need.region ? <> · {t("need.region", { region: need.region })}</> : null}
        </p>
        <p className="summary">{need.summary}</p>
      </header>

      <NeedProgress
        raised={need.raised}
        goal={need.goal}
        currency={need.currency}
        backers={need.backers}
        deadline={need.deadline}
        today={today}
      />

      <section aria-labelledby="items">
        <h2 id="items">{t("need.items")}</h2>
        <ul className="items">
          {need.items.map((item) => (
            <li key={item.id} className={item.substitutedBy ? "item substituted" : "item"}>
              <div className="item-head">
                <span className="item-name">{item.substitutedBy ? <s>{item.name}</s> : item.name}</span>
                <span className="item-total">{money(item.total)}</span>
              </div>
              {item.substitutedBy ? <p className="note">{t("need.item.substitutedBy", { name: item.substitutedBy })}</p> : null}
              {item.description ? <p className="description">{item.description}</p> : null}
              <p className="item-meta">
                {t("need.item.quantity")}: {item.quantity} × {money(item.unitCost)}
              </p>
              {item.substitutedBy ? null : (
                <p className="item-funded">
                  <progress max={item.total} value={item.funded} aria-label={`${item.name}: ${t("need.item.funded")}`} />{" "}
                  {item.funded >= item.total ? t("need.item.fullyFunded") : `${t("need.item.funded")}: ${money(item.funded)}`}
                </p>
              )}
            </li>
          ))}
        </ul>
        <p className="goal">
          {t("need.goal")}: <strong>{money(need.goal)}</strong>
        </p>
      </section>

      {need.surplusPolicy ? (
        <section aria-labelledby="surplus">
          <h2 id="surplus">{t("need.surplus")}</h2>
          <p>{need.surplusPolicy}</p>
        </section>
      ) : null}

      <section aria-labelledby="story">
        <h2 id="story">{t("need.story")}</h2>
        <Markdown html={need.story} />
      </section>

      <section aria-labelledby="updates">
        <h2 id="updates">{t("need.updates")}</h2>
        {need.updates.length === 0 ? <p>{t("need.noUpdates")}</p> : null}
        <ol className="timeline">
          {need.updates.map((update) => (
            <li key={update.id}>
              <p className="timeline-date">
                <time dateTime={update.eventDate}>{formatDate(update.eventDate, locale)}</time>
                {update.lifecycleStep ? <span className="milestone"> · {t(`need.status.${update.lifecycleStep === "closed" ? "closed" : update.lifecycleStep}`)}</span> : null}
              </p>
              <h3>{update.title}</h3>
              <Markdown html={update.body} />
              {update.spendNote ? <p className="spend-note">{update.spendNote}</p> : null}
            </li>
          ))}
        </ol>
      </section>

      <p>
        <Link to="/">{t("nav.home")}</Link>
      </p>
    </article>
  );
}
