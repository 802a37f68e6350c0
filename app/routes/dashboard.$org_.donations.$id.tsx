import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireMember } from "~/auth/membership.server";
import { disputeHoldsMoney } from "~/disputes";
import { ErrorSummary, Field, Notice } from "~/components/forms";
import { DonationsTable, useDashboardDateTime } from "~/components/DonationsTable";
import { useLocale, useT } from "~/components/i18n";
import { OrgNav } from "~/components/OrgNav";
import { formFields } from "~/forms/parse.server";
import { requestLocale, translator, type MessageKey } from "~/locales";
import { getOrganisationDonation, getRefundTarget, listPaymentRefunds } from "~/models/donation-reports.server";
import { formatMoney, isCurrency, parseAmount, toDecimalString, type AmountError } from "~/money";
import { refundDonation, refundToken, type RefundError } from "~/payments/refunds.server";
import donationsStyles from "~/styles/dashboard-donations.css";
import needsStyles from "~/styles/needs.css";

// /dashboard/:org/donations/:id — one donation, its refunds, and the refund form (owners only).

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: needsStyles },
  { rel: "stylesheet", href: donationsStyles },
];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ""} — Tomoni` }];

const NOTICES = { "refund-requested": "donationsAdmin.refund.requested", refunded: "donationsAdmin.refund.done" } as const satisfies Record<string, MessageKey>;

function donationId(param: string | undefined): number {
  if (!/^[1-9][0-9]{0,14}$/.test(param ?? "")) throw new Response("Not Found", { status: 404 });
  return Number(param);
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { organisation, role } = await requireMember(request, context, params.org);
  const id = donationId(params.id);
  // Scoped to the organisation: another organisation's donation is simply not found.
  const donation = await getOrganisationDonation(context.db, organisation.id, id);
  if (!donation) throw new Response("Not Found", { status: 404 });
  const target = await getRefundTarget(context.db, id, organisation.id);
  const refunds = donation.stripePaymentIntentId ? await listPaymentRefunds(context.db, donation.stripePaymentIntentId) : [];
  const notice = new URL(request.url).searchParams.get("notice");
  const currency = isCurrency(donation.currency) ? donation.currency : null;
  return {
    title: `${translator(requestLocale(request))("donationsAdmin.detail.title", { id })} · ${organisation.name}`,
    organisation: { slug: organisation.slug, name: organisation.name },
    isOwner: role === "owner",
    donation: {
      ...donation,
      createdAt: donation.createdAt.toISOString(),
      succeededAt: donation.succeededAt?.toISOString() ?? null,
    },
    refunds: refunds.map((r) => ({ ...r, updatedAt: r.updatedAt.toISOString() })),
    refundable: target?.refundable ?? 0,
    refundableInput: currency && target ? toDecimalString(target.refundable, currency) : "",
    // A fresh token per rendering: a double submit of this form is one refund at Stripe.
    token: refundToken(),
    notice: notice && Object.hasOwn(NOTICES, notice) ? NOTICES[notice as keyof typeof NOTICES] : null,
  };
}

const AMOUNT_ERRORS: Record<AmountError, MessageKey> = {
  empty: "donationsAdmin.refund.error.empty",
  invalid: "donationsAdmin.refund.error.invalid",
  negative: "donationsAdmin.refund.error.negative",
  zero: "donationsAdmin.refund.error.zero",
  too_precise: "donationsAdmin.refund.error.tooPrecise",
  too_large: "donationsAdmin.refund.error.tooMuch",
};

const REFUND_ERRORS: Record<Exclude<RefundError, "not_found">, { field?: "amount"; key: MessageKey }> = {
  not_succeeded: { key: "donationsAdmin.refund.error.notSucceeded" },
  disputed: { key: "donationsAdmin.refund.error.disputed" },
  bad_amount: { field: "amount", key: "donationsAdmin.refund.error.invalid" },
  too_much: { field: "amount", key: "donationsAdmin.refund.error.tooMuch" },
  bad_token: { key: "donationsAdmin.refund.error.stale" },
  stripe_error: { key: "donationsAdmin.refund.error.stripe" },
};

interface RefundFailure {
  errors: Partial<Record<"amount", MessageKey>>;
  formError?: MessageKey;
  values: { amount: string };
  /** The token to render again: the same one unless Stripe saw it (then its key is spent). */
  token: string;
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { organisation, role } = await requireMember(request, context, params.org);
  const id = donationId(params.id);
  const target = await getRefundTarget(context.db, id, organisation.id);
  if (!target) throw new Response("Not Found", { status: 404 });
  const fields = formFields(await request.formData());
  const values = { amount: (fields.amount ?? "").slice(0, 40) };
  const token = fields.token ?? "";
  const fail = (failure: Omit<RefundFailure, "values" | "token"> & { token?: string }, status = 400) =>
    data<RefundFailure>({ values, token, ...failure }, { status });

  // Organisers see donations; moving money back is for owners.
  if (role !== "owner") return fail({ errors: {}, formError: "error.ownersOnly" }, 403);
  // The page shows no refund form then: the message goes to the summary, not to a field.
  if (target.status !== "succeeded") return fail({ errors: {}, formError: "donationsAdmin.refund.error.notSucceeded" });
  if (!isCurrency(target.currency)) return fail({ errors: { amount: "donationsAdmin.refund.error.invalid" } });
  const parsed = parseAmount(values.amount, target.currency);
  if (!parsed.ok) return fail({ errors: { amount: AMOUNT_ERRORS[parsed.error] } });

  const result = await refundDonation(context, { donationId: id, amount: parsed.minor, token, organisationId: organisation.id });
  if (!result.ok) {
    if (result.error === "not_found") throw new Response("Not Found", { status: 404 });
    const { field, key } = REFUND_ERRORS[result.error];
    // Stripe has seen this token's key (and may have stored its answer): the next try needs a new one.
    const next = result.error === "stripe_error" || result.error === "bad_token" ? refundToken() : token;
    return fail({ errors: field ? { [field]: key } : {}, formError: field ? undefined : key, token: next }, result.error === "stripe_error" ? 502 : 400);
  }
  const notice = result.mode === "demo" ? "refunded" : "refund-requested";
  return redirect(`/dashboard/${organisation.slug}/donations/${id}?notice=${notice}`, { status: 303 });
}

export default function DonationDetail() {
  const { organisation, isOwner, donation: d, refunds, refundable, refundableInput, token, notice } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>() as RefundFailure | undefined;
  const t = useT();
  const locale = useLocale();
  const dateTime = useDashboardDateTime();
  const money = (minor: number) => formatMoney(minor, d.currency, locale);
  const disputed = disputeHoldsMoney(d.disputeStatus);
  return (
    <section className="wide-page dashboard-donation">
      <OrgNav slug={organisation.slug} name={organisation.name} />
      <p>
        <Link to={`/dashboard/${organisation.slug}/donations`}>{t("donationsAdmin.detail.back")}</Link>
      </p>
      <h1>{t("donationsAdmin.detail.title", { id: d.id })}</h1>
      {notice && !failure ? <Notice>{t(notice)}</Notice> : null}
      <ErrorSummary errors={failure?.errors} order={["amount"]} formError={failure?.formError} />

      <dl className="donation-facts">
        <dt>{t("donationsAdmin.detail.need")}</dt>
        <dd>
          <Link to={`/dashboard/${organisation.slug}/donations?need=${encodeURIComponent(d.needSlug)}`}>{d.needTitle}</Link>
        </dd>
        <dt>{t("donationsAdmin.detail.item")}</dt>
        <dd>{d.itemName ?? t("donationsAdmin.detail.generalItem")}</dd>
        <dt>{t("donationsAdmin.detail.status")}</dt>
        <dd>
          <span className={`donation-status donation-status-${d.status}`}>{t(`donationsAdmin.status.${d.status}`)}</span>
        </dd>
        <dt>{t("donationsAdmin.detail.amount")}</dt>
        <dd className="money">{money(d.amount)}</dd>
        <dt>{t("donationsAdmin.detail.feeCover")}</dt>
        <dd className="money">{money(d.feeCover)}</dd>
        <dt>{t("donationsAdmin.detail.charged")}</dt>
        <dd className="money">{money(d.amount + d.feeCover)}</dd>
        <dt>{t("donationsAdmin.detail.refunded")}</dt>
        <dd className="money" data-field="refunded">
          {money(d.refundedAmount)}
        </dd>
        {d.disputeStatus ? (
          <>
            <dt>{t("donationsAdmin.detail.disputed")}</dt>
            <dd className="money">
              {money(disputed ? d.disputedAmount : 0)} <span className="money-note">{t("donationsAdmin.detail.disputeStatus", { status: d.disputeStatus })}</span>
            </dd>
          </>
        ) : null}
        <dt>{t("donationsAdmin.detail.counted")}</dt>
        <dd className="money" data-field="counted">
          {money(d.counted)}
        </dd>
        <dt>{t("donationsAdmin.detail.donor")}</dt>
        <dd>{d.donorName || t("donationsAdmin.donor.noName")}</dd>
        <dt>{t("donationsAdmin.detail.email")}</dt>
        <dd className="break">{d.donorEmail}</dd>
        <dt>{t("donationsAdmin.detail.display")}</dt>
        <dd>{d.showName ? t("donationsAdmin.detail.display.public") : t("donationsAdmin.detail.display.anonymous")}</dd>
        <dt>{t("donationsAdmin.detail.message")}</dt>
        <dd className="donation-message">{d.message || t("donationsAdmin.detail.noMessage")}</dd>
        <dt>{t("donationsAdmin.detail.updates")}</dt>
        <dd>{d.updatesOptIn ? t("donationsAdmin.detail.updates.yes") : t("donationsAdmin.detail.updates.no")}</dd>
        <dt>{t("donationsAdmin.detail.created")}</dt>
        <dd>{dateTime(d.createdAt)}</dd>
        {d.succeededAt ? (
          <>
            <dt>{t("donationsAdmin.detail.succeeded")}</dt>
            <dd>{dateTime(d.succeededAt)}</dd>
          </>
        ) : null}
      </dl>

      <section className="section" aria-labelledby="stripe-title">
        <h2 id="stripe-title">{t("donationsAdmin.detail.stripe")}</h2>
        <dl className="donation-facts stripe-ids">
          {(
            [
              ["donationsAdmin.detail.session", d.stripeCheckoutSessionId],
              ["donationsAdmin.detail.paymentIntent", d.stripePaymentIntentId],
              ["donationsAdmin.detail.charge", d.stripeChargeId],
              ["donationsAdmin.detail.account", d.stripeAccountId],
            ] as const
          )
            .filter(([, value]) => value)
            .map(([label, value]) => (
              <div key={label}>
                <dt>{t(label)}</dt>
                <dd>
                  <code>{value}</code>
                </dd>
              </div>
            ))}
        </dl>
      </section>

      <section className="section" aria-labelledby="refunds-title">
        <h2 id="refunds-title">{t("donationsAdmin.refunds.title")}</h2>
        {refunds.length === 0 ? (
          <p>{t("donationsAdmin.refunds.none")}</p>
        ) : (
          <DonationsTable
            className="refunds-table"
            caption={t("donationsAdmin.refunds.caption")}
            columns={[t("donationsAdmin.refunds.id"), t("donationsAdmin.refunds.amount"), t("donationsAdmin.refunds.status"), t("donationsAdmin.refunds.updated")]}
          >
            {refunds.map((r) => (
              <tr key={r.id}>
                <td>
                  <code>{r.id}</code>
                </td>
                <td className="money">{formatMoney(r.amount, r.currency, locale)}</td>
                <td>{r.status}</td>
                <td>{dateTime(r.updatedAt)}</td>
              </tr>
            ))}
          </DonationsTable>
        )}
      </section>

      <section className="section" aria-labelledby="refund-title">
        <h2 id="refund-title">{t("donationsAdmin.refund.title")}</h2>
        {d.status !== "succeeded" ? (
          <p>{t("donationsAdmin.refund.onlySucceeded")}</p>
        ) : disputed ? (
          <p>{t("donationsAdmin.refund.error.disputed")}</p>
        ) : refundable <= 0 ? (
          <p>{t("donationsAdmin.refund.nothingLeft")}</p>
        ) : !isOwner ? (
          <p>{t("donationsAdmin.refund.ownersOnly")}</p>
        ) : (
          <>
            <p className="intro">{t("donationsAdmin.refund.intro")}</p>
            {/* Keyed by what is left, so after a refund the form starts afresh instead of keeping the typed amount. */}
            <Form method="post" noValidate key={refundable}>
              <input type="hidden" name="token" value={failure?.token ?? token} />
              <Field
                name="amount"
                label={t("donationsAdmin.refund.amount")}
                hint={t("donationsAdmin.refund.hint", { max: money(refundable) })}
                required
                autoComplete="off"
                defaultValue={failure?.values.amount ?? refundableInput}
                error={failure?.errors.amount}
              />
              <div className="form-actions">
                <button type="submit" className="danger-button">
                  {t("donationsAdmin.refund.submit")}
                </button>
              </div>
            </Form>
          </>
        )}
      </section>
    </section>
  );
}
