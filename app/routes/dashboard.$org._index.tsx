import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireMember } from "~/auth/membership.server";
import { useLocale, useT } from "~/components/i18n";
import { OrgNav } from "~/components/OrgNav";
import { requestLocale, translator } from "~/locales";
import { listOrganisationNeeds, PUBLIC_STATUSES } from "~/models/needs.server";
import { formatMoney } from "~/money";
import needsStyles from "~/styles/needs.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: needsStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ""} — Tomoni` }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  // Non-members get the same 404 as an organisation that does not exist.
  const { organisation } = await requireMember(request, context, params.org);
  const needs = await listOrganisationNeeds(context.db, organisation.id);
  return {
    title: `${translator(requestLocale(request))("needs.dashboard.title")} · ${organisation.name}`,
    organisation: { slug: organisation.slug, name: organisation.name },
    needs: needs.map((need) => ({ ...need, isPublic: PUBLIC_STATUSES.includes(need.status) })),
  };
}

export default function OrganisationNeeds() {
  const { organisation, needs } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const base = `/dashboard/${organisation.slug}/needs`;
  return (
    <section className="wide-page dashboard-needs">
      <OrgNav slug={organisation.slug} name={organisation.name} />
      <h1>{t("needs.dashboard.title")}</h1>
      <p className="form-actions">
        <Link to={`${base}/new`} className="primary-button">
          {t("needs.new")}
        </Link>
      </p>
      {needs.length === 0 ? (
        <p>{t("needs.dashboard.empty")}</p>
      ) : (
        <div className="table-scroll">
          <table className="needs-table">
            <caption>{t("needs.dashboard.caption", { organisation: organisation.name })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("needs.col.need")}</th>
                <th scope="col">{t("needs.col.status")}</th>
                <th scope="col">{t("needs.col.raised")}</th>
                <th scope="col">{t("needs.col.backers")}</th>
                <th scope="col">{t("needs.col.links")}</th>
              </tr>
            </thead>
            <tbody>
              {needs.map((need) => (
                <tr key={need.slug}>
                  <th scope="row">
                    <Link to={`${base}/${need.slug}`}>{need.title}</Link>
                  </th>
                  <td>
                    <span className={`status status-${need.status}`}>{t(`need.status.${need.status}`)}</span>
                  </td>
                  <td>
                    {formatMoney(need.raised, need.currency, locale)} / {formatMoney(need.goal, need.currency, locale)}
                  </td>
                  <td>{need.backers.toLocaleString(locale)}</td>
                  <td className="row-links">
                    <Link to={`${base}/${need.slug}`}>{t("needs.dashboard.edit")}</Link>
                    {need.isPublic ? (
                      <Link to={`/needs/${need.slug}`}>{t("needs.dashboard.public")}</Link>
                    ) : (
                      <Link to={`${base}/${need.slug}/preview`}>{t("needs.dashboard.preview")}</Link>
                    )}
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
