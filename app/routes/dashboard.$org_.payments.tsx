import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { requireMember } from "~/auth/membership.server";
import { ErrorSummary, Notice } from "~/components/forms";
import { useT } from "~/components/i18n";
import { OrgNav } from "~/components/OrgNav";
import { invalid, type FormFailure } from "~/forms/responses.server";
import { requestLocale, translator, type MessageKey } from "~/locales";
import { getPaymentsStatus } from "~/models/stripe-accounts.server";
import { onboardingUrl, paymentsPath, StripeUnavailableError, syncConnectedAccount } from "~/payments/connect.server";

// $org_ (trailing underscore): not nested in a /dashboard/:org layout, whoever adds one.

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ""} — Tomoni` }];

const NOTICES = {
  returned: "payments.notice.returned",
  completed: "payments.notice.completed",
  "sync-failed": "payments.notice.syncFailed",
  "not-started": "payments.error.notStarted",
} as const satisfies Record<string, MessageKey>;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  // Every member sees the status; only owners can change it (see the action).
  const { organisation, role } = await requireMember(request, context, params.org);
  const url = new URL(request.url);
  if (url.searchParams.get("from") === "stripe") {
    // Back from Stripe's onboarding: read the account now rather than wait for the webhook,
    // then drop the query so a reload does not ask Stripe again.
    let notice: keyof typeof NOTICES = "returned";
    try {
      await syncConnectedAccount(context, organisation.id);
    } catch (error) {
      if (!(error instanceof StripeUnavailableError)) throw error;
      notice = "sync-failed";
    }
    return redirect(`${paymentsPath(organisation.slug)}?notice=${notice}`, { status: 303 });
  }
  const status = await getPaymentsStatus(context.db, organisation.id);
  if (!status) throw new Response("Not Found", { status: 404 });
  const notice = url.searchParams.get("notice");
  return {
    title: `${translator(requestLocale(request))("payments.title")} · ${organisation.name}`,
    organisation: { slug: organisation.slug, name: organisation.name },
    isOwner: role === "owner",
    demo: context.env.paymentsMode === "demo",
    status: {
      state: status.state,
      accountId: status.accountId,
      payoutsEnabled: status.payoutsEnabled,
      detailsSubmitted: status.detailsSubmitted,
    },
    notice: notice && Object.hasOwn(NOTICES, notice) ? NOTICES[notice as keyof typeof NOTICES] : null,
    // The refresh route could not reach Stripe and sent the owner back here.
    stripeError: url.searchParams.get("error") === "stripe",
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { organisation, role } = await requireMember(request, context, params.org);
  // The account is the organisation's bank relationship: owners decide, as with members.
  if (role !== "owner") return invalid({ formError: "payments.ownersOnly" }, 403);
  try {
    // 303: the browser follows with a GET, to Stripe's onboarding (or our demo page).
    return redirect(await onboardingUrl(context, organisation), { status: 303 });
  } catch (error) {
    if (error instanceof StripeUnavailableError) return invalid({ formError: "payments.error.stripe" }, 502);
    throw error;
  }
}

export default function Payments() {
  const { organisation, isOwner, demo, status, notice, stripeError } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>() as FormFailure | undefined;
  const t = useT();
  const stateHint: MessageKey | null =
    status.state === "not_connected"
      ? "payments.state.not_connected.hint"
      : status.state === "onboarding"
      ? status.detailsSubmitted
        ? "payments.state.onboarding.review"
        : "payments.state.onboarding.hint"
      : null;
  return (
    <section className="wide-page">
      <OrgNav slug={organisation.slug} name={organisation.name} />
      <h1>{t("payments.title")}</h1>
      {notice && !failure ? <Notice>{t(notice)}</Notice> : null}
      <ErrorSummary order={[]} formError={failure?.formError ?? (stripeError ? "payments.error.stripe" : undefined)} />
      <p className="intro">{t("payments.intro")}</p>
      {demo ? <p className="notice">{t("payments.demoMode")}</p> : null}

      <section className="section" aria-labelledby="payments-status">
        <h2 id="payments-status">{t("payments.status.heading")}</h2>
        <dl className="mail-meta">
          <dt>{t("payments.status.donations")}</dt>
          <dd>
            <strong>{t(`payments.state.${status.state}`)}</strong>
            {stateHint ? <span className="hint"> {t(stateHint)}</span> : null}
          </dd>
          {status.accountId ? (
            <>
              <dt>{t("payments.status.payouts")}</dt>
              <dd>{t(status.payoutsEnabled ? "payments.payouts.enabled" : "payments.payouts.disabled")}</dd>
              <dt>{t("payments.status.account")}</dt>
              <dd className="break">{status.accountId}</dd>
            </>
          ) : null}
        </dl>
      </section>

      {status.state === "ready" ? (
        demo ? null : (
          <p>
            <a href="https://dashboard.stripe.com/" rel="noreferrer">
              {t("payments.dashboardLink")}
            </a>
          </p>
        )
      ) : isOwner ? (
        <Form method="post" reloadDocument>
          <p id="connect-hint" className="hint">
            {t("payments.connect.hint")}
          </p>
          <div className="form-actions">
            <button type="submit" className="primary-button" aria-describedby="connect-hint">
              {t(status.state === "not_connected" ? "payments.connect" : "payments.continue")}
            </button>
          </div>
        </Form>
      ) : (
        <p>{t("payments.ownersOnly")}</p>
      )}
    </section>
  );
}
