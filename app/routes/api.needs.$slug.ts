import type { LoaderFunctionArgs } from "@remix-run/node";
import { isLocale, negotiateLocale, type Locale } from "~/locales";
import { getPublicNeed } from "~/models/needs.server";
import { formatMoney, percentOf } from "~/money";

/**
 * A public need as JSON, for embedding on an organisation's own site (docs/api.md).
 * Amounts are integers in minor units (JPY ¥78,000 → 78000; USD $12.50 → 1250) next to
 * strings formatted for the requested locale. Anyone may read it from any origin: it holds
 * only what the public page shows, and no cookie or credential changes the answer.
 */

// The locale comes from ?locale= or Accept-Language only — never the cookie — so the
// response depends on nothing but the URL and the header named in Vary.
const HEADERS = {
  "Cache-Control": "public, max-age=60, stale-while-revalidate=300",
  "Access-Control-Allow-Origin": "*",
  Vary: "Accept-Language",
};

function apiLocale(request: Request): Locale {
  const requested = new URL(request.url).searchParams.get("locale");
  if (isLocale(requested)) return requested;
  return negotiateLocale(null, request.headers.get("accept-language"));
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const need = await getPublicNeed(context.db, params.slug ?? "");
  if (!need) {
    // Shorter caching: a draft published a minute from now should not stay "not found" for long.
    return Response.json({ error: "not_found" }, { status: 404, headers: { ...HEADERS, "Cache-Control": "public, max-age=10" } });
  }
  const locale = apiLocale(request);
  const money = (minor: number) => formatMoney(minor, need.currency, locale);
  return Response.json(
    {
      slug: need.slug,
      url: `${context.env.APP_URL}/needs/${need.slug}`,
      title: need.title,
      summary: need.summary,
      organisation: { name: need.organisation.name, slug: need.organisation.slug },
      currency: need.currency,
      locale,
      goal: need.goal,
      goalFormatted: money(need.goal),
      raised: need.raised,
      raisedFormatted: money(need.raised),
      percent: percentOf(need.raised, need.goal),
      backers: need.backers,
      status: need.status,
      deadline: need.deadline,
      items: need.items.map((item) => ({
        name: item.name,
        quantity: item.quantity,
        unitCost: item.unitCost,
        unitCostFormatted: money(item.unitCost),
        total: item.total,
        totalFormatted: money(item.total),
        funded: item.funded,
        fundedFormatted: money(item.funded),
        substitutedBy: item.substitutedBy,
        addedAt: item.addedAt,
      })),
    },
    { headers: HEADERS },
  );
}
