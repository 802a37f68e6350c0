import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { FollowForm } from "~/components/FollowForm";
import { useT } from "~/components/i18n";
import { Markdown } from "~/components/Markdown";
import { NeedCard } from "~/components/NeedCard";
import { Pagination } from "~/components/Pagination";
import { Timeline } from "~/components/Timeline";
import { requestLocale, translator } from "~/locales";
import { renderMarkdown } from "~/markdown.server";
import { COMPLETED_STATUSES, getPublicOrganisation, listPublicNeedsPage } from "~/models/needs.server";
import { getOrganisationTimeline } from "~/models/timeline.server";
import { today } from "~/need-page.server";
import needsStyles from "~/styles/needs.css";
import timelineStyles from "~/styles/timeline.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: needsStyles },
  { rel: "stylesheet", href: timelineStyles },
];

export const meta: MetaFunction<typeof loader> = ({ data }) =>
  data
    ? [
        { title: `${data.organisation.name} — Tomoni` },
        { name: "description", content: data.organisation.summary },
        { property: "og:type", content: "website" },
        { property: "og:title", content: data.organisation.name },
        { property: "og:description", content: data.organisation.summary },
        { property: "og:url", content: data.pageUrl },
        // The organisation's feed: its own news and every public need's updates.
        { tagName: "link", rel: "alternate", type: "application/atom+xml", title: data.feed.title, href: data.feed.url },
        { name: "twitter:card", content: "summary" },
      ]
    : [];

const PAGE_SIZE = 24;

/** Which page of each list: `page` for the open needs, `completed` for the completed ones. A malformed number is page 1. */
const pageNumber = z.coerce.number().int().min(1).max(10_000).catch(1);

export interface OrgPages {
  live: number;
  completed: number;
}

/**
 * The organisation page's URL showing these pages of its two lists, without the defaults.
 * `section` is the list the link moves through, so the browser lands on it, not at the top.
 */
function orgHref(slug: string, pages: OrgPages, section: "live-needs" | "completed-needs"): string {
  const params = new URLSearchParams();
  if (pages.live > 1) params.set("page", String(pages.live));
  if (pages.completed > 1) params.set("completed", String(pages.completed));
  const query = params.toString();
  return `/orgs/${slug}${query ? `?${query}` : ""}#${section}`;
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const organisation = await getPublicOrganisation(context.db, params.slug ?? "");
  if (!organisation) throw new Response("Not Found", { status: 404 });
  const search = new URL(request.url).searchParams;
  const pages: OrgPages = { live: pageNumber.parse(search.get("page") ?? "1"), completed: pageNumber.parse(search.get("completed") ?? "1") };
  const [live, completed, timeline] = await Promise.all([
    listPublicNeedsPage(context.db, { statuses: ["live"], organisationSlug: organisation.slug }, { number: pages.live, size: PAGE_SIZE }),
    listPublicNeedsPage(context.db, { statuses: COMPLETED_STATUSES, organisationSlug: organisation.slug }, { number: pages.completed, size: PAGE_SIZE }),
    getOrganisationTimeline(context.db, organisation.id),
  ]);
  const pageUrl = `${context.env.APP_URL}/orgs/${organisation.slug}`;
  const pageCount = (total: number) => Math.max(1, Math.ceil(total / PAGE_SIZE));
  return {
    organisation: {
      slug: organisation.slug,
      name: organisation.name,
      summary: organisation.summary,
      region: organisation.region,
      website: organisation.website,
      contactEmail: organisation.contactEmail,
      about: renderMarkdown(organisation.about),
    },
    pageUrl,
    live: { needs: live.needs, total: live.total, pages: pageCount(live.total) },
    completed: { needs: completed.needs, total: completed.total, pages: pageCount(completed.total) },
    pages,
    timeline,
    feed: { url: `${pageUrl}/feed.xml`, title: translator(requestLocale(request))("feed.org.title", { organisation: organisation.name }) },
    today: today(),
  };
}

export default function OrganisationPage() {
  const { organisation, live, completed, pages, timeline, feed, today } = useLoaderData<typeof loader>();
  const t = useT();
  const href = (section: "live-needs" | "completed-needs", change: Partial<OrgPages>) => orgHref(organisation.slug, { ...pages, ...change }, section);
  return (
    <article className="org-page">
      <header>
        <h1>{organisation.name}</h1>
        {organisation.region ? <p className="organisation">{t("need.region", { region: organisation.region })}</p> : null}
        {organisation.summary ? <p className="summary">{organisation.summary}</p> : null}
      </header>

      <section aria-labelledby="live-needs">
        <h2 id="live-needs">{t("orgPage.live")}</h2>
        {live.needs.length === 0 && live.total > 0 ? (
          <p>
            <Link to={href("live-needs", { live: 1 })}>{t("explore.page.first")}</Link>
          </p>
        ) : live.needs.length === 0 ? (
          <p>{t("orgPage.noLive")}</p>
        ) : null}
        <div className="need-grid">
          {live.needs.map((need) => (
            <NeedCard key={need.slug} need={need} today={today} />
          ))}
        </div>
        {live.needs.length > 0 ? (
          <Pagination page={pages.live} pages={live.pages} label={t("orgPage.live.pages")} href={(n) => href("live-needs", { live: n })} />
        ) : null}
      </section>

      <Timeline
        data={timeline}
        headingId="org-updates"
        title={t("timeline.org.title", { organisation: organisation.name })}
        empty={t("timeline.org.empty")}
      />
      <p className="feed-link">
        <a href={feed.url} type="application/atom+xml">
          {t("feed.link")}
        </a>
      </p>
      <FollowForm target={{ kind: "organisation", slug: organisation.slug, organisationName: organisation.name }} />

      {organisation.about || organisation.website || organisation.contactEmail ? (
        <section aria-labelledby="about">
          <h2 id="about">{t("orgPage.about")}</h2>
          {organisation.about ? <Markdown html={organisation.about} /> : null}
          {organisation.website || organisation.contactEmail ? (
            <dl className="org-contact">
              {organisation.website ? (
                <>
                  <dt>{t("orgPage.website")}</dt>
                  <dd>
                    <a href={organisation.website} rel="nofollow noopener noreferrer ugc">
                      {organisation.website}
                    </a>
                  </dd>
                </>
              ) : null}
              {organisation.contactEmail ? (
                <>
                  <dt>{t("orgPage.contact")}</dt>
                  <dd>
                    <a href={`mailto:${organisation.contactEmail}`}>{organisation.contactEmail}</a>
                  </dd>
                </>
              ) : null}
            </dl>
          ) : null}
        </section>
      ) : null}

      {completed.total > 0 ? (
        <section aria-labelledby="completed-needs">
          <h2 id="completed-needs">{t("orgPage.completed")}</h2>
          {completed.needs.length === 0 ? (
            <p>
              <Link to={href("completed-needs", { completed: 1 })}>{t("explore.page.first")}</Link>
            </p>
          ) : null}
          <div className="need-grid">
            {completed.needs.map((need) => (
              <NeedCard key={need.slug} need={need} today={today} />
            ))}
          </div>
          {completed.needs.length > 0 ? (
            <Pagination
              page={pages.completed}
              pages={completed.pages}
              label={t("orgPage.completed.pages")}
              href={(n) => href("completed-needs", { completed: n })}
            />
          ) : null}
        </section>
      ) : null}
    </article>
  );
}
