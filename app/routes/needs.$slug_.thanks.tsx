import { data, type HeadersFunction, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { useLocale, useT } from "~/components/i18n";
import { requestLocale, translator } from "~/locales";
import { findDonationByCheckoutSession } from "~/models/donations.server";
import { formatMoney } from "~/money";
import donationsStyles from "~/styles/donations.css";

// $slug_ (trailing underscore): /needs/:slug/thanks is its own page, not nested in the need page.

export const links: LinksFunction = () => [{ rel: "stylesheet", href: donationsStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.title ?? ""} — Tomoni` },
  // A page per payment: nothing for search engines.
  { name: "robots", content: "noindex" },
];

// The status changes as the webhook arrives: never serve a stale copy from a cache.
export const headers: HeadersFunction = () => ({ "Cache-Control": "no-store" });

/**
 * Where Stripe (or the demo checkout) sends the donor after paying. It only reads: the
 * donation becomes "succeeded" when the signed webhook says so, never because someone
 * opened this address (which anyone could type).
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const t = translator(requestLocale(request));
  const sessionId = new URL(request.url).searchParams.get("session_id") ?? "";
  const donation = await findDonationByCheckoutSession(context.db, sessionId);
  if (!donation || donation.needSlug !== params.slug) {
    return data({ found: false as const, title: t("donate.thanks.notFound.title") }, { status: 404 });
  }
  const status = donation.status;
  return {
    found: true as const,
    sessionId,
    title: t(`donate.thanks.${status}.title`),
    status,
    needSlug: donation.needSlug,
    needTitle: donation.needTitle,
    organisationName: donation.organisationName,
    amount: donation.amount,
    feeCover: donation.feeCover,
    currency: donation.currency,
    showName: donation.showName,
  };
}

/** While the payment is being confirmed, look again every few seconds (with JavaScript; otherwise "check again"). */
function useRefreshWhilePending(pending: boolean) {
  const revalidator = useRevalidator();
  useEffect(() => {
    if (!pending) return;
    let rounds = 0;
    const timer = setInterval(() => {
      // A delayed payment method can take days: stop after about five minutes.
      if (++rounds > 100) clearInterval(timer);
      else if (revalidator.state === "idle") revalidator.revalidate();
    }, 3_000);
    return () => clearInterval(timer);
  }, [pending, revalidator]);
}

export default function Thanks() {
  const result = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  useRefreshWhilePending(result.found && result.status === "pending");
  if (!result.found) {
    return (
      <section className="thanks-page">
        <h1>{t("donate.thanks.notFound.title")}</h1>
        <p>{t("donate.thanks.notFound.body")}</p>
        <p>
          <Link to="/">{t("error.backHome")}</Link>
        </p>
      </section>
    );
  }
  const money = (minor: number) => formatMoney(minor, result.currency, locale);
  const vars = { amount: money(result.amount), need: result.needTitle, organisation: result.organisationName };
  const needLink = (
    <p>
      <Link to={`/needs/${result.needSlug}`}>{t("donate.thanks.back", { need: result.needTitle })}</Link>
    </p>
  );
  return (
    <section className="thanks-page">
      <h1>{result.title}</h1>
      {/* A live region: when the payment is confirmed, screen readers hear the new status. */}
      <div className={`thanks-status thanks-${result.status}`} role="status">
        {result.status === "pending" ? (
          <>
            <p>{t("donate.thanks.pending.body", vars)}</p>
            <p>{t("donate.thanks.pending.delayed")}</p>
          </>
        ) : result.status === "succeeded" ? (
          <>
            <p>{t("donate.thanks.succeeded.body", vars)}</p>
            {result.feeCover > 0 ? <p>{t("donate.thanks.feeCover", { fee: money(result.feeCover) })}</p> : null}
            <p>{t(result.showName ? "donate.thanks.public" : "donate.thanks.anonymous")}</p>
          </>
        ) : result.status === "failed" ? (
          <p>{t("donate.thanks.failed.body")}</p>
        ) : (
          <p>{t("donate.thanks.expired.body")}</p>
        )}
      </div>
      {result.status === "pending" ? (
        <p>
          {/* Reloads this page: works without JavaScript. */}
          <a href={`?${new URLSearchParams({ session_id: result.sessionId })}`} className="secondary-button">
            {t("donate.thanks.pending.refresh")}
          </a>
        </p>
      ) : null}
      {needLink}
    </section>
  );
}
