import { Link } from "@remix-run/react";
import { formatDate } from "~/locales";
import type { NeedDetail } from "~/models/needs.server";
import type { Supporter } from "~/models/supporters.server";
import type { TimelineData } from "~/models/timeline.server";
import { formatMoney } from "~/money";
import { DonateForm, type DonateFormData, type DonateFormResult } from "./DonateForm";
import { FollowForm } from "./FollowForm";
import { useLocale, useT } from "./i18n";
import { Markdown } from "./Markdown";
import { NeedProgress } from "./NeedProgress";
import { ShareLinks } from "./ShareLinks";
import { Supporters } from "./Supporters";
import { Timeline } from "./Timeline";

/** A need as visitors see it; story and update bodies are already sanitised HTML. */
export type NeedViewData = Omit<NeedDetail, "publishedAt"> & { publishedAt: Date | string | null };

/**
 * The public need page. The organisers' preview renders this same component with the same
 * data, so a draft looks exactly as it will once published.
 */
export function NeedView({
  need,
  today,
  pageUrl,
  donate,
  supporters,
  timeline,
  subscribe,
}: {
  need: NeedViewData;
  today: string;
  pageUrl: string;
  /** The public page's donate form; absent in the organisers' preview. */
  donate?: { accepting: boolean; form: DonateFormData; result?: DonateFormResult };
  /** Who gave (public names only); absent in the organisers' preview. */
  supporters?: Supporter[];
  /** Dated updates and lifecycle milestones (app/models/timeline.server.ts). */
  timeline: TimelineData;
  /** The feed and the follow-by-email form; absent in the organisers' preview (a draft has neither). */
  subscribe?: { feedUrl: string };
}) {
  const t = useT();
  const locale = useLocale();
  const money = (minor: number) => formatMoney(minor, need.currency, locale);
  return (
    <article className="need-page">
      <header className="need-header">
        <p className={`status status-${need.status}`}>{t(`need.status.${need.status}`)}</p>
        <h1>{need.title}</h1>
        <p className="organisation">
          {t("needs.page.organisedBy")}: <Link to={`/orgs/${need.organisation.slug}`}>{need.organisation.name}</Link>
          {need.region ? <> · {t("need.region", { region: need.region })}</> : null}
        </p>
        <p className="summary">{need.summary}</p>
      </header>

      <div className="need-status-panel">
        <NeedProgress raised={need.raised} goal={need.goal} currency={need.currency} backers={need.backers} deadline={need.deadline} today={today} />
        {need.deadline ? (
          <p className="deadline">{t("needs.page.deadline", { date: formatDate(need.deadline, locale) })}</p>
        ) : null}
      </div>

      <section aria-labelledby="donate" className="donate-area">
        <h2 id="donate">{t("needs.donate.title")}</h2>
        {need.status === "live" && donate?.accepting ? (
          <DonateForm data={donate.form} result={donate.result} />
        ) : (
          <p>
            {need.status === "live"
              ? // The organisers' preview has no form; a live need whose account cannot take charges says so.
                donate
                ? t("donate.unavailable", { organisation: need.organisation.name })
                : t("needs.donate.soon", { organisation: need.organisation.name })
              : need.status === "draft"
                ? t("needs.donate.draft")
                : t("needs.donate.closed")}
          </p>
        )}
      </section>

      <section aria-labelledby="items">
        <h2 id="items">{t("need.items")}</h2>
        <ul className="items">
          {need.items.map((item) => (
            <li key={item.id} className={item.substitutedBy ? "item substituted" : "item"}>
              <div className="item-head">
                <span className="item-name">{item.substitutedBy ? <s>{item.name}</s> : item.name}</span>
                <span className="item-total">{item.substitutedBy ? <s>{money(item.total)}</s> : money(item.total)}</span>
              </div>
              {item.substitutedBy ? <p className="note">{t("need.item.substitutedBy", { name: item.substitutedBy })}</p> : null}
              {item.addedAt ? (
                <p className="added-on">
                  <time dateTime={item.addedAt}>{t("needs.item.addedOn", { date: formatDate(item.addedAt, locale) })}</time>
                </p>
              ) : null}
              {item.description ? <p className="description">{item.description}</p> : null}
              <p className="item-meta">
                {t("need.item.quantity")}: {t("needs.item.quantityTimesCost", { quantity: item.quantity.toLocaleString(locale), unitCost: money(item.unitCost) })}
              </p>
              {item.substitutedBy ? null : (
                <p className="item-funded">
                  <progress max={item.total} value={item.funded} aria-label={`${item.name}: ${t("need.item.funded")}`} />{" "}
                  {item.funded >= item.total
                    ? t("need.item.fullyFunded")
                    : t("needs.item.fundedOf", { funded: money(item.funded), total: money(item.total) })}
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

      {need.story ? (
        <section aria-labelledby="story">
          <h2 id="story">{t("need.story")}</h2>
          <Markdown html={need.story} />
        </section>
      ) : null}

      {supporters ? <Supporters supporters={supporters} /> : null}

      <Timeline data={timeline} title={t("timeline.title")} empty={t("timeline.empty")} />

      {subscribe ? (
        <>
          <p className="feed-link">
            <a href={subscribe.feedUrl} type="application/atom+xml">
              {t("feed.link")}
            </a>
          </p>
          <FollowForm target={{ kind: "need", slug: need.slug, organisationName: need.organisation.name }} />
        </>
      ) : null}

      <ShareLinks url={pageUrl} title={need.title} />

      <p>
        <Link to="/">{t("nav.home")}</Link>
      </p>
    </article>
  );
}
