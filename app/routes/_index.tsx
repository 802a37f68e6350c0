import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useLocation } from "@remix-run/react";
import { z } from "zod";
import { useT } from "~/components/i18n";
import { NeedCard } from "~/components/NeedCard";
import { Pagination } from "~/components/Pagination";
import { requestLocale, translator } from "~/locales";
import { COMPLETED_STATUSES, listOrganisationsWithLiveNeeds, listPublicNeeds, listPublicNeedsPage } from "~/models/needs.server";
import { NEED_SORTS } from "~/need-options";
import { today } from "~/need-page.server";
import needsStyles from "~/styles/needs.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: needsStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Tomoni" }];

/** The search form's query string; anything malformed falls back to "no filter" rather than an error. */
const filters = z.object({
  q: z.string().trim().max(100).catch(""),
  org: z
    .string()
    .regex(/^[a-z0-9-]{1,60}$/)
    .catch(""),
  sort: z.enum(NEED_SORTS).catch("newest"),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});

const PAGE_SIZE = 24;

/** The home page's URL for these filters and page, without the defaults. */
function homeHref(filters: { q: string; org: string; sort: string }, page: number): string {
  const params = new URLSearchParams();
  if (filters.q) params.set("q", filters.q);
  if (filters.org) params.set("org", filters.org);
  if (filters.sort !== "newest") params.set("sort", filters.sort);
  if (page > 1) params.set("page", String(page));
  const query = params.toString();
  return query ? `/?${query}` : "/";
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const t = translator(requestLocale(request));
  const params = new URL(request.url).searchParams;
  const { q, org, sort, page } = filters.parse({
    q: params.get("q") ?? "",
    org: params.get("org") ?? "",
    sort: params.get("sort") ?? "newest",
    page: params.get("page") ?? "1",
  });
  const filtered = q !== "" || org !== "";
  const [live, completed, organisations] = await Promise.all([
    listPublicNeedsPage(context.db, { statuses: ["live"], sort, search: q, organisationSlug: org || undefined }, { number: page, size: PAGE_SIZE }),
    // Completed needs are a record of what giving achieved, not search results.
    filtered ? Promise.resolve([]) : listPublicNeeds(context.db, { statuses: COMPLETED_STATUSES, limit: 6 }),
    listOrganisationsWithLiveNeeds(context.db),
  ]);
  return {
    title: `${t("app.name")} — ${t("home.title")}`,
    today: today(),
    filters: { q, org, sort },
    filtered,
    organisations,
    live: live.needs,
    total: live.total,
    page,
    pages: Math.max(1, Math.ceil(live.total / PAGE_SIZE)),
    completed: page === 1 ? completed : [],
  };
}

export default function Home() {
  const { live, total, page, pages, completed, today, filters, filtered, organisations } = useLoaderData<typeof loader>();
  const t = useT();
  const location = useLocation();
  return (
    <>
      <section className="intro">
        <h1>{t("home.title")}</h1>
        <p>{t("home.intro")}</p>
      </section>
      <section aria-labelledby="explore" className="explore">
        <h2 id="explore">{t("explore.heading")}</h2>
        {/* A GET form: works without JavaScript, and every result page has its own URL. The key
            resets the fields when the URL changes through a link ("show all needs"). */}
        <Form method="get" role="search" aria-labelledby="explore" className="explore-form" key={location.search}>
          <div className="field">
            <label htmlFor="q">{t("explore.search")}</label>
            <p id="q-hint" className="hint">
              {t("explore.search.hint")}
            </p>
            <input id="q" name="q" type="search" defaultValue={filters.q} maxLength={100} aria-describedby="q-hint" />
          </div>
          <div className="field">
            <label htmlFor="org">{t("explore.organisation")}</label>
            <select id="org" name="org" defaultValue={filters.org}>
              <option value="">{t("explore.allOrganisations")}</option>
              {organisations.map((o) => (
                <option key={o.slug} value={o.slug}>
                  {o.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="sort">{t("explore.sort")}</label>
            <select id="sort" name="sort" defaultValue={filters.sort}>
              {NEED_SORTS.map((sort) => (
                <option key={sort} value={sort}>
                  {t(`explore.sort.${sort}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="form-actions">
            <button type="submit" className="primary-button">
              {t("explore.submit")}
            </button>
          </div>
        </Form>
      </section>
      <section aria-labelledby="live-needs">
        <h2 id="live-needs" className={filtered ? undefined : "visually-hidden"}>
          {filtered ? (total === 1 ? t("explore.results.one") : t("explore.results", { count: total })) : t("home.title")}
        </h2>
        {live.length === 0 && page > 1 ? (
          <p>
            <Link to={homeHref(filters, 1)}>{t("explore.page.first")}</Link>
          </p>
        ) : live.length === 0 ? (
          <p>{filtered ? t("explore.noResults") : t("home.empty")}</p>
        ) : null}
        {filtered ? (
          <p>
            <Link to="/">{t("explore.clear")}</Link>
          </p>
        ) : null}
        <div className="need-grid">
          {live.map((need) => (
            <NeedCard key={need.slug} need={need} today={today} />
          ))}
        </div>
        {live.length > 0 ? <Pagination page={page} pages={pages} label={t("explore.pages")} href={(n) => homeHref(filters, n)} /> : null}
      </section>
      {completed.length > 0 ? (
        <section aria-labelledby="completed-needs">
          <h2 id="completed-needs">{t("home.completed")}</h2>
          <div className="need-grid">
            {completed.map((need) => (
              <NeedCard key={need.slug} need={need} today={today} />
            ))}
          </div>
        </section>
      ) : null}
    </>
  );
}
