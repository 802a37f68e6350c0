import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireMember } from "~/auth/membership.server";
import { useLocale, useT } from "~/components/i18n";
import { OrgNav } from "~/components/OrgNav";
import { formatInstant } from "~/components/UpdateFormFields";
import { formatDate, requestLocale, translator, type MessageKey } from "~/locales";
import { listDashboardUpdates, publicUpdatePath } from "~/models/updates.server";
import needsStyles from "~/styles/needs.css";
import updatesStyles from "~/styles/updates.css";

// $org_: never nested in a /dashboard/:org layout. Drafts and published updates, of needs and
// of the whole organisation.

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: needsStyles },
  { rel: "stylesheet", href: updatesStyles },
];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ""} — Tomoni` }];

const NOTICES = { deleted: "updates.notice.deleted" } as const satisfies Record<string, MessageKey>;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { organisation } = await requireMember(request, context, params.org);
  const t = translator(requestLocale(request));
  const updates = await listDashboardUpdates(context.db, organisation.id);
  const notice = new URL(request.url).searchParams.get("notice");
  return {
    title: `${t("updates.list.title")} · ${organisation.name}`,
    organisation: { slug: organisation.slug, name: organisation.name },
    updates: updates.map((update) => ({
      id: update.id,
      title: update.title,
      about: update.needTitle ?? t("updates.about.organisation"),
      eventDate: update.eventDate,
      publishedAt: update.publishedAt?.toISOString() ?? null,
      editedAt: update.editedAt?.toISOString() ?? null,
      step: update.lifecycleStep,
      publicPath: publicUpdatePath(update, organisation.slug),
    })),
    notice: notice && Object.hasOwn(NOTICES, notice) ? NOTICES[notice as keyof typeof NOTICES] : null,
  };
}

export default function UpdatesList() {
  const { organisation, updates, notice } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const base = `/dashboard/${organisation.slug}/updates`;
  return (
    <section className="wide-page updates-dashboard">
      <OrgNav slug={organisation.slug} name={organisation.name} />
      <h1>{t("updates.list.title")}</h1>
      <p className="intro">{t("updates.list.intro")}</p>
      {notice ? (
        <p className="notice" role="status">
          {t(notice)}
        </p>
      ) : null}
      <p className="form-actions">
        <Link to={`${base}/new`} className="primary-button">
          {t("updates.new.title")}
        </Link>
      </p>
      {updates.length === 0 ? (
        <p>{t("updates.list.empty")}</p>
      ) : (
        <div className="table-scroll">
          <table className="needs-table updates-table">
            <caption>{t("updates.list.caption", { organisation: organisation.name })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("updates.col.title")}</th>
                <th scope="col">{t("updates.col.about")}</th>
                <th scope="col">{t("updates.col.eventDate")}</th>
                <th scope="col">{t("updates.col.state")}</th>
                <th scope="col">{t("updates.col.links")}</th>
              </tr>
            </thead>
            <tbody>
              {updates.map((update) => (
                <tr key={update.id}>
                  <th scope="row">
                    <Link to={`${base}/${update.id}`}>{update.title}</Link>
                    {update.step ? <span className="step-tag">{t(`updates.step.${update.step}`)}</span> : null}
                  </th>
                  <td>{update.about}</td>
                  <td>
                    <time dateTime={update.eventDate}>{formatDate(update.eventDate, locale)}</time>
                  </td>
                  <td>
                    {update.publishedAt ? (
                      <>
                        <span className="status status-live">{t("updates.state.publishedShort")}</span>{" "}
                        <time dateTime={update.publishedAt}>{formatInstant(update.publishedAt, locale)}</time>
                        {update.editedAt ? (
                          <span className="edited"> {t("updates.state.edited", { date: formatInstant(update.editedAt, locale) })}</span>
                        ) : null}
                      </>
                    ) : (
                      <span className="status status-draft">{t("updates.state.draftShort")}</span>
                    )}
                  </td>
                  <td className="row-links">
                    <Link to={`${base}/${update.id}`}>{t("updates.link.edit")}</Link>
                    <Link to={`${base}/${update.id}/preview`}>{t("updates.link.preview")}</Link>
                    {update.publishedAt ? <Link to={update.publicPath}>{t("updates.link.public")}</Link> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
