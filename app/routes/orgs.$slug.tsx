import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { FollowForm } from "~/components/FollowForm";
import { useT } from "~/components/i18n";
import { Markdown } from "~/components/Markdown";
import { NeedCard } from "~/components/NeedCard";
import { Timeline } from "~/components/Timeline";
import { requestLocale, translator } from "~/locales";
import { renderMarkdown } from "~/markdown.server";
import { COMPLETED_STATUSES, getPublicOrganisation, listPublicNeeds } from "~/models/needs.server";
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

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const organisation = await getPublicOrganisation(context.db, params.slug ?? "");
  if (!organisation) throw new Response("Not Found", { status: 404 });
  const [live, completed, timeline] = await Promise.all([
    listPublicNeeds(context.db, { statuses: ["live"], organisationSlug: organisation.slug }),
    listPublicNeeds(context.db, { statuses: COMPLETED_STATUSES, organisationSlug: organisation.slug }),
    getOrganisationTimeline(context.db, organisation.id),
  ]);
  const pageUrl = `${context.env.APP_URL}/orgs/${organisation.slug}`;
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
    live,
    completed,
    timeline,
    feed: { url: `${pageUrl}/feed.xml`, title: translator(requestLocale(request))("feed.org.title", { organisation: organisation.name }) },
    today: today(),
  };
}

export default function OrganisationPage() {
  const { organisation, live, completed, timeline, feed, today } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <article className="org-page">
      <header>
        <h1>{organisation.name}</h1>
        {organisation.region ? <p className="organisation">{t("need.region", { region: organisation.region })}</p> : null}
        {organisation.summary ? <p className="summary">{organisation.summary}</p> : null}
      </header>

      <section aria-labelledby="live-needs">
        <h2 id="live-needs">{t("orgPage.live")}</h2>
        {live.length === 0 ? <p>{t("orgPage.noLive")}</p> : null}
        <div className="need-grid">
          {live.map((need) => (
            <NeedCard key={need.slug} need={need} today={today} />
          ))}
        </div>
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

      {completed.length > 0 ? (
        <section aria-labelledby="completed-needs">
          <h2 id="completed-needs">{t("orgPage.completed")}</h2>
          <div className="need-grid">
            {completed.map((need) => (
              <NeedCard key={need.slug} need={need} today={today} />
            ))}
          </div>
        </section>
      ) : null}
    </article>
  );
}
