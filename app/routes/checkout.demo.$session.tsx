import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import type { AppLoadContext } from "@remix-run/node";
import { useLocale, useT } from "~/components/i18n";
import { requestLocale, translator } from "~/locales";
import { findDonationByCheckoutSession } from "~/models/donations.server";
import { formatMoney } from "~/money";
import { cancelPath, thanksPath } from "~/payments/checkout.server";
import { demoStage, isDemoAction, runDemoCheckout } from "~/payments/demo-checkout.server";
import donationsStyles from "~/styles/donations.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: donationsStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.title ?? ""} — Tomoni` },
  { name: "robots", content: "noindex" },
];

/** The demo checkout exists only with demo payments: with real Stripe this address is a plain 404. */
async function demoDonation(context: AppLoadContext, sessionId: string | undefined) {
  if (context.env.paymentsMode !== "demo") throw new Response("Not Found", { status: 404 });
  const donation = await findDonationByCheckoutSession(context.db, sessionId ?? "");
  if (!donation) throw new Response("Not Found", { status: 404 });
  return donation;
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const donation = await demoDonation(context, params.session);
  const stage = demoStage(donation);
  return {
    title: translator(requestLocale(request))("donate.demo.title"),
    stage,
    organisationName: donation.organisationName,
    needTitle: donation.needTitle,
    itemName: donation.itemName,
    amount: donation.amount,
    feeCover: donation.feeCover,
    currency: donation.currency,
    donorEmail: donation.donorEmail,
    needPath: cancelPath(donation.needSlug),
    thanksPath: donation.checkoutSessionId ? thanksPath(donation.needSlug, donation.checkoutSessionId) : null,
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const donation = await demoDonation(context, params.session);
  const intent = (await request.formData()).get("intent");
  if (!isDemoAction(intent)) return data({ declined: false }, { status: 400 });
  const result = await runDemoCheckout(context, donation, intent);
  if (result.kind === "declined") return data({ declined: true }, { status: 402 });
  return redirect(result.to, 303);
}

function ActionButton({ intent, className = "secondary-button", children }: { intent: string; className?: string; children: string }) {
  return (
    <Form method="post">
      <button type="submit" name="intent" value={intent} className={className}>
        {children}
      </button>
    </Form>
  );
}

export default function DemoCheckout() {
  const page = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const locale = useLocale();
  const money = (minor: number) => formatMoney(minor, page.currency, locale);
  const total = page.amount + page.feeCover;
  return (
    <section className="demo-checkout">
      <h1>{t("donate.demo.title")}</h1>
      <p>{t("donate.demo.intro")}</p>
      <dl className="demo-summary">
        <dt>{t("donate.demo.organisation")}</dt>
        <dd>{page.organisationName}</dd>
        <dt>{t("donate.demo.need")}</dt>
        <dd>{page.itemName ? `${page.needTitle} — ${page.itemName}` : page.needTitle}</dd>
        <dt>{t("donate.demo.amount")}</dt>
        <dd>{money(page.amount)}</dd>
        {page.feeCover > 0 ? (
          <>
            <dt>{t("donate.demo.fee")}</dt>
            <dd>{money(page.feeCover)}</dd>
          </>
        ) : null}
        <dt>{t("donate.demo.total")}</dt>
        <dd className="demo-total">{money(total)}</dd>
        <dt>{t("donate.demo.email")}</dt>
        <dd>{page.donorEmail}</dd>
      </dl>

      {result?.declined ? (
        <p className="demo-declined" role="alert">
          {t("donate.demo.declined")}
        </p>
      ) : null}

      {page.stage === "open" ? (
        <div className="demo-actions">
          <ActionButton intent="pay" className="primary-button">
            {t("donate.demo.pay", { total: money(total) })}
          </ActionButton>
          <ActionButton intent="later">{t("donate.demo.later")}</ActionButton>
          <ActionButton intent="decline">{t("donate.demo.decline")}</ActionButton>
        </div>
      ) : page.stage === "awaiting" ? (
        <>
          <h2>{t("donate.demo.awaiting.title")}</h2>
          <p>{t("donate.demo.awaiting.body")}</p>
          <div className="demo-actions">
            <ActionButton intent="arrives" className="primary-button">
              {t("donate.demo.arrives")}
            </ActionButton>
            <ActionButton intent="fails">{t("donate.demo.fails")}</ActionButton>
          </div>
        </>
      ) : page.stage === "expired" ? (
        <p className="notice">{t("donate.demo.expired")}</p>
      ) : (
        <p className="notice">
          {t("donate.demo.finished")} {page.thanksPath ? <Link to={page.thanksPath}>{t("donate.demo.seeResult")}</Link> : null}
        </p>
      )}

      {page.stage === "open" || page.stage === "expired" ? (
        <p>
          <Link to={page.needPath} reloadDocument>
            {t("donate.demo.back")}
          </Link>
        </p>
      ) : null}
    </section>
  );
}
