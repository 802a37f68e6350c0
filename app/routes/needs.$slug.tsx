import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { ipKey } from "~/auth/throttle.server";
import type { DonateFormResult } from "~/components/DonateForm";
import { NeedView } from "~/components/NeedView";
import { formFields } from "~/forms/parse.server";
import { honeypotFilled, keepDonationValues, parseDonationForm } from "~/forms/donation.server";
import { retryAfterHeaders } from "~/forms/responses.server";
import { requestLocale, translator } from "~/locales";
import { acceptsDonations, getDonationTarget } from "~/models/donations.server";
import { getPublicNeed } from "~/models/needs.server";
import { listSupporters } from "~/models/supporters.server";
import { hit } from "~/models/rate-limits.server";
import { getNeedTimeline } from "~/models/timeline.server";
import { isCurrency } from "~/money";
import { needPageData } from "~/need-page.server";
import { CheckoutUnavailableError, DONATE_RATE_LIMIT, donateFormData, platformFeeBps, startDonation } from "~/payments/checkout.server";
import donationsStyles from "~/styles/donations.css";
import needsStyles from "~/styles/needs.css";
import timelineStyles from "~/styles/timeline.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: needsStyles },
  { rel: "stylesheet", href: donationsStyles },
  { rel: "stylesheet", href: timelineStyles },
];

export const headers = retryAfterHeaders;

/**
 * Title, description and the Open Graph / Twitter card tags, so a link shared on LINE, X or
 * Facebook shows the need's title and summary. https://ogp.me/
 */
export const meta: MetaFunction<typeof loader> = ({ data, matches }) => {
  if (!data) return [];
  const locale = (matches.find((m) => m.id === "root")?.data as { locale?: string } | undefined)?.locale;
  const { need, pageUrl, siteName, feed } = data;
  return [
    { title: `${need.title} — ${siteName}` },
    { name: "description", content: need.summary },
    { tagName: "link", rel: "canonical", href: pageUrl },
    // Feed readers find the need's updates from the page itself (RFC 4287 autodiscovery).
    { tagName: "link", rel: "alternate", type: "application/atom+xml", title: feed.title, href: feed.url },
    { property: "og:type", content: "website" },
    { property: "og:site_name", content: siteName },
    { property: "og:title", content: need.title },
    { property: "og:description", content: need.summary },
    { property: "og:url", content: pageUrl },
    { property: "og:locale", content: locale === "ja" ? "ja_JP" : "en_GB" },
    { name: "twitter:card", content: "summary" },
    { name: "twitter:title", content: need.title },
    { name: "twitter:description", content: need.summary },
  ];
};

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  // Drafts and cancelled needs are not public: the same 404 as a slug that never existed.
  const need = await getPublicNeed(context.db, params.slug ?? "");
  if (!need) throw new Response("Not Found", { status: 404 });
  // Independent reads: side by side, so a render waits for the slowest, not for their sum.
  const [target, supporters, timeline] = await Promise.all([
    getDonationTarget(context.db, need.id),
    listSupporters(context.db, need.id),
    getNeedTimeline(context.db, need.id),
  ]);
  if (!target) throw new Response("Not Found", { status: 404 });
  const page = needPageData(need, context.env);
  return {
    ...page,
    donate: donateFormData(need, target, context.env, new URL(request.url), context.formToken),
    supporters,
    timeline,
    feed: {
      url: `${page.pageUrl}/feed.xml`,
      title: translator(requestLocale(request))("feed.need.title", { need: need.title, organisation: need.organisation.name }),
    },
  };
}

const refuse = (result: Omit<DonateFormResult, "errors"> & { errors?: DonateFormResult["errors"] }, init: number | ResponseInit = 400) =>
  data<DonateFormResult>({ errors: {}, ...result }, init);

/** The donate form: validate, slow down card testers, write one pending donation, go to Checkout. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const need = await getPublicNeed(context.db, params.slug ?? "");
  const target = need ? await getDonationTarget(context.db, need.id) : undefined;
  if (!need || !target) throw new Response("Not Found", { status: 404 });
  const locale = requestLocale(request);
  const fields = formFields(await request.formData());
  const values = keepDonationValues(fields);

  if (honeypotFilled(fields)) {
    context.logger.info({ needId: need.id }, "donate form honeypot filled; refused");
    return refuse({ values, formError: { key: "donate.error.form.spam" } });
  }
  if (!acceptsDonations(target) || !isCurrency(target.currency)) return refuse({ values, formError: { key: "donate.error.form.notAccepting" } }, 409);

  const parsed = parseDonationForm(fields, {
    currency: target.currency,
    locale,
    itemIds: target.itemIds,
    platformFeeBps: platformFeeBps(target.organisation, context.env),
  });
  if (!parsed.ok) return refuse({ errors: parsed.errors, values, formError: parsed.formError });

  const throttle = await hit(context.db, `donate:ip:${ipKey(context.clientIp)}`, DONATE_RATE_LIMIT);
  if (!throttle.allowed) {
    const minutes = Math.max(1, Math.ceil(throttle.retryAfterSeconds / 60));
    return refuse(
      { values, formError: minutes === 1 ? { key: "donate.error.rateLimited.one" } : { key: "donate.error.rateLimited", vars: { minutes } } },
      { status: 429, headers: { "Retry-After": String(throttle.retryAfterSeconds) } },
    );
  }

  let result;
  try {
    result = await startDonation(context, target, parsed.data, locale);
  } catch (error) {
    if (!(error instanceof CheckoutUnavailableError)) throw error;
    return refuse({ values, formError: { key: "donate.error.form.unavailable" } }, 503);
  }
  switch (result.kind) {
    case "redirect":
      return redirect(result.url, 303);
    case "stale":
      return refuse({ values, formError: { key: "donate.error.form.stale" } });
    case "not_accepting":
      return refuse({ values, formError: { key: "donate.error.form.notAccepting" } }, 409);
    case "invalid_item":
      return refuse({ values, errors: { item: { key: "donate.error.item" } } });
  }
}

export default function NeedPage() {
  const { need, today, pageUrl, donate, supporters, timeline, feed } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as DonateFormResult | undefined;
  return (
    <NeedView
      need={need}
      today={today}
      pageUrl={pageUrl}
      donate={{ ...donate, result }}
      supporters={supporters}
      timeline={timeline}
      subscribe={{ feedUrl: feed.url }}
    />
  );
}
