import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireMember } from "~/auth/membership.server";
import { disputeHoldsMoney } from "~/disputes";
import { DonationsTable, useDashboardDateTime } from "~/components/DonationsTable";
import { useLocale, useT } from "~/components/i18n";
import { OrgNav } from "~/components/OrgNav";
import { requestLocale, translator } from "~/locales";
import { donationTotalsByNeed, listNeedChoices, listOrganisationDonations } from "~/models/donation-reports.server";
import { formatMoney } from "~/money";
import donationsStyles from "~/styles/dashboard-donations.css";
import needsStyles from "~/styles/needs.css";

// /dashboard/:org/donations. An _index route, so /donations/:id is its sibling rather than a
// child this page would have to render; $org_ keeps it out of any /dashboard/:org layout.

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: needsStyles },
  { rel: "stylesheet", href: donationsStyles },
];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ""} — Tomoni` }];

/** The page lists this many; the CSV has every donation. */
const LIST_LIMIT = 500;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  // Non-members get the same 404 as an organisation that does not exist.
  const { organisation } = await requireMember(request, context, params.org);
  const choices = await listNeedChoices(context.db, organisation.id);
  const needSlug = new URL(request.url).searchParams.get("need") || undefined;
  if (needSlug && !choices.some((need) => need.slug === needSlug)) throw new Response("Not Found", { status: 404 });
  const [totals, donations] = await Promise.all([
    donationTotalsByNeed(context.db, organisation.id, { needSlug }),
    listOrganisationDonations(context.db, organisation.id, { needSlug, limit: LIST_LIMIT }),
  ]);
  const total = totals.reduce((sum, need) => sum + need.counts.pending + need.counts.succeeded + need.counts.failed + need.counts.expired, 0);
  return {
    title: `${translator(requestLocale(request))("donationsAdmin.title")} · ${organisation.name}`,
    organisation: { slug: organisation.slug, name: organisation.name },
    needSlug: needSlug ?? "",
    choices,
    totals,
    total,
    donations: donations.map((d) => ({
      id: d.id,
      needSlug: d.needSlug,
      needTitle: d.needTitle,
      currency: d.currency,
      status: d.status,
      amount: d.amount,
      feeCover: d.feeCover,
      refundedAmount: d.refundedAmount,
      disputedAmount: disputeHoldsMoney(d.disputeStatus) ? d.disputedAmount : 0,
      donorName: d.donorName,
      donorEmail: d.donorEmail,
      showName: d.showName,
      createdAt: d.createdAt.toISOString(),
    })),
  };
}

export default function Donations() {
  const { organisation, needSlug, choices, totals, total, donations } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const dateTime = useDashboardDateTime();
  const money = (minor: number, currency: string) => formatMoney(minor, currency, locale);
  const base = `/dashboard/${organisation.slug}/donations`;
  const csvHref = `${base}.csv${needSlug ? `?need=${encodeURIComponent(needSlug)}` : ""}`;
  const showNeed = !needSlug;
  return (
    <section className="wide-page dashboard-donations">
      <OrgNav slug={organisation.slug} name={organisation.name} />
      <h1>{t("donationsAdmin.title")}</h1>
      <p className="intro">{t("donationsAdmin.intro")}</p>

      <Form method="get" className="donations-filter">
        <fieldset>
          <legend>{t("donationsAdmin.filter.legend")}</legend>
          <div className="field">
            <label htmlFor="need">{t("donationsAdmin.filter.need")}</label>
            <select id="need" name="need" defaultValue={needSlug}>
              <option value="">{t("donationsAdmin.filter.allNeeds")}</option>
              {choices.map((need) => (
                <option key={need.slug} value={need.slug}>
                  {need.title}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="secondary-button">
            {t("donationsAdmin.filter.submit")}
          </button>
        </fieldset>
      </Form>
      <p className="csv-link">
        {/* A plain link: a file download, not a client-side navigation. */}
        <a href={csvHref} download aria-describedby="csv-hint">
          {t("donationsAdmin.csv")}
        </a>
        <span id="csv-hint" className="hint">
          {t("donationsAdmin.csv.hint")}
        </span>
      </p>

      <section className="section" aria-labelledby="totals-title">
        <h2 id="totals-title">{t("donationsAdmin.totals.title")}</h2>
        {totals.length === 0 ? (
          <p>{t("donationsAdmin.totals.none")}</p>
        ) : (
          <DonationsTable
            className="totals-table"
            caption={t("donationsAdmin.totals.caption")}
            columns={[
              t("donationsAdmin.col.need"),
              t("donationsAdmin.col.raised"),
              t("donationsAdmin.col.goal"),
              t("donationsAdmin.col.feeCover"),
              t("donationsAdmin.col.refunded"),
              t("donationsAdmin.col.counts"),
            ]}
          >
            {totals.map((need) => (
              <tr key={need.slug} data-need={need.slug}>
                <th scope="row">
                  <Link to={`${base}?need=${encodeURIComponent(need.slug)}`}>{need.title}</Link>
                </th>
                <td className="money" data-col="raised">
                  {money(need.raised, need.currency)}
                </td>
                <td className="money">{money(need.goal, need.currency)}</td>
                <td className="money" data-col="fee-cover">
                  {money(need.feeCover, need.currency)}
                </td>
                <td className="money" data-col="refunded">
                  {money(need.refunded, need.currency)}
                </td>
                <td>{t("donationsAdmin.counts", need.counts)}</td>
              </tr>
            ))}
          </DonationsTable>
        )}
      </section>

      <section className="section" aria-labelledby="list-title">
        <h2 id="list-title">{t("donationsAdmin.list.title")}</h2>
        {donations.length < total ? <p>{t("donationsAdmin.list.truncated", { shown: donations.length, total })}</p> : null}
        {donations.length === 0 ? (
          <p>{t("donationsAdmin.list.empty")}</p>
        ) : (
          <DonationsTable
            className="donations-table"
            caption={t("donationsAdmin.list.caption")}
            columns={[
              t("donationsAdmin.col.date"),
              ...(showNeed ? [t("donationsAdmin.col.need")] : []),
              t("donationsAdmin.col.donor"),
              t("donationsAdmin.col.status"),
              t("donationsAdmin.col.amount"),
              t("donationsAdmin.col.feeCover"),
              t("donationsAdmin.col.details"),
            ]}
          >
            {donations.map((d) => (
              <tr key={d.id} data-donation={d.id}>
                <td>{dateTime(d.createdAt)}</td>
                {showNeed ? <td>{d.needTitle}</td> : null}
                <td className="donor">
                  <span className="donor-name">{d.donorName || t("donationsAdmin.donor.noName")}</span>
                  {d.showName ? null : <span className="anonymous-marker">{` (${t("donationsAdmin.donor.anonymous")})`}</span>}
                  <br />
                  <span className="donor-email">{d.donorEmail}</span>
                </td>
                <td>
                  <span className={`donation-status donation-status-${d.status}`}>{t(`donationsAdmin.status.${d.status}`)}</span>
                  {d.refundedAmount > 0 ? <span className="money-note">{t("donationsAdmin.refundedAmount", { amount: money(d.refundedAmount, d.currency) })}</span> : null}
                  {d.disputedAmount > 0 ? <span className="money-note">{t("donationsAdmin.disputedAmount", { amount: money(d.disputedAmount, d.currency) })}</span> : null}
                </td>
                <td className="money">{money(d.amount, d.currency)}</td>
                <td className="money">{money(d.feeCover, d.currency)}</td>
                <td>
                  <Link to={`${base}/${d.id}`} aria-label={t("donationsAdmin.list.viewLabel", { id: d.id })}>
                    {t("donationsAdmin.list.view")}
                  </Link>
                </td>
              </tr>
            ))}
          </DonationsTable>
        )}
      </section>
    </section>
  );
}
