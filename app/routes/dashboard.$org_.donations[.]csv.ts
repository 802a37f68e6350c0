import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireMember } from "~/auth/membership.server";
import { requestLocale, translator } from "~/locales";
import { CSV_COLUMNS, donationCsvRecord, encodeCsv, listNeedChoices, listOrganisationDonations } from "~/models/donation-reports.server";

/** /dashboard/:org/donations.csv[?need=slug]: every donation shown on the donations page, as a file. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { organisation } = await requireMember(request, context, params.org);
  const needSlug = new URL(request.url).searchParams.get("need") || undefined;
  if (needSlug && !(await listNeedChoices(context.db, organisation.id)).some((need) => need.slug === needSlug)) {
    throw new Response("Not Found", { status: 404 });
  }
  const t = translator(requestLocale(request));
  const donations = await listOrganisationDonations(context.db, organisation.id, { needSlug });
  const body = encodeCsv([CSV_COLUMNS.map((column) => t(`donationsAdmin.csv.col.${column}`)), ...donations.map(donationCsvRecord)]);
  const day = new Date().toISOString().slice(0, 10);
  // Slugs are [a-z0-9-], so the file name needs no escaping.
  const filename = `donations-${organisation.slug}${needSlug ? `-${needSlug}` : ""}-${day}.csv`;
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      // Donors' names and addresses: never kept by a shared cache or the browser's.
      "Cache-Control": "private, no-store",
    },
  });
}
