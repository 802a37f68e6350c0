import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireMember } from "~/auth/membership.server";
import { useLocale, useT } from "~/components/i18n";
import {
  amountInputValue,
  DetailsFields,
  detailLabels,
  ErrorSummary,
  ItemFields,
  itemLabels,
  type FieldError,
  type FieldErrors,
} from "~/components/NeedFormFields";
import { OrgNav } from "~/components/OrgNav";
import { DETAIL_FIELDS, formStrings, ITEM_FIELDS, keep, parseDetails, parseItem, RULE_MESSAGES } from "~/forms/needs.server";
import { formatDate, requestLocale, type MessageKey } from "~/locales";
import {
  addItem,
  getOrganisationNeed,
  moveItem,
  NeedRuleError,
  needHasDonations,
  PUBLIC_STATUSES,
  removeItem,
  substituteItem,
  transitionNeed,
  updateItem,
  updateNeedDetails,
} from "~/models/needs.server";
import type { NeedStatus } from "~/models/schema";
import { getPaymentsStatus } from "~/models/stripe-accounts.server";
import { formatMoney, isCurrency, type Currency } from "~/money";
import { canAddItems, canChangeItems, canEditDetails, canEditIdentity, canSubstituteItems, NEED_STATUSES, nextStatuses } from "~/need-lifecycle";
import { today } from "~/need-page.server";
import needsStyles from "~/styles/needs.css";

// $org_ and no layout route: not nested in any /dashboard/:org layout, whoever adds one.

export const links: LinksFunction = () => [{ rel: "stylesheet", href: needsStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ""} — Tomoni` }];

/** Messages a redirect after a successful change may ask for; anything else is ignored. */
const NOTICES = {
  created: "needs.notice.created",
  saved: "needs.notice.saved",
  "item-added": "needs.notice.itemAdded",
  "item-saved": "needs.notice.itemSaved",
  "item-removed": "needs.notice.itemRemoved",
  "item-moved": "needs.notice.itemMoved",
  "item-substituted": "needs.notice.itemSubstituted",
  status: "needs.notice.status",
} as const satisfies Record<string, MessageKey>;

async function loadNeed(request: Request, params: LoaderFunctionArgs["params"], context: LoaderFunctionArgs["context"]) {
  const membership = await requireMember(request, context, params.org);
  // Another organisation's need is simply not found here: the query is scoped to this one.
  const need = await getOrganisationNeed(context.db, membership.organisation.id, params.slug ?? "");
  if (!need) throw new Response("Not Found", { status: 404 });
  return { organisation: membership.organisation, need };
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { organisation, need } = await loadNeed(request, params, context);
  const [hasDonations, payments] = await Promise.all([needHasDonations(context.db, need.id), getPaymentsStatus(context.db, organisation.id)]);
  const notice = new URL(request.url).searchParams.get("notice");
  return {
    title: `${need.title} · ${organisation.name}`,
    organisation: { slug: organisation.slug, name: organisation.name },
    need: {
      id: need.id,
      slug: need.slug,
      title: need.title,
      summary: need.summary,
      story: need.story,
      currency: need.currency,
      deadline: need.deadline,
      surplusPolicy: need.surplusPolicy,
      status: need.status,
      goal: need.goal,
      raised: need.raised,
      items: need.items,
    },
    isPublic: PUBLIC_STATUSES.includes(need.status),
    can: {
      editDetails: canEditDetails(need.status),
      editIdentity: canEditIdentity(need.status),
      addItems: canAddItems(need.status),
      changeItems: canChangeItems(need.status) && !hasDonations,
      substitute: canSubstituteItems(need.status),
    },
    hasDonations,
    // Publishing is refused until the organisation's Stripe account can take charges: say so up front.
    paymentsReady: payments?.chargesEnabled ?? false,
    nextSteps: nextStatuses(need.status, "organiser"),
    notice: notice && Object.hasOwn(NOTICES, notice) ? NOTICES[notice as keyof typeof NOTICES] : null,
  };
}

/** Which form on the page an answer belongs to, so its errors appear next to its fields. */
interface EditFailure {
  form: string;
  errors: FieldErrors;
  values: Record<string, string>;
  formError?: FieldError;
}

const itemId = z.coerce.number().int().positive();
const status = z.enum(NEED_STATUSES as [NeedStatus, ...NeedStatus[]]);

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { organisation, need } = await loadNeed(request, params, context);
  const locale = requestLocale(request);
  const fields = formStrings(await request.formData());
  const currency: Currency = isCurrency(need.currency) ? need.currency : "JPY";
  const back = (slug: string, notice: keyof typeof NOTICES) => redirect(`/dashboard/${organisation.slug}/needs/${slug}?notice=${notice}`, { status: 303 });
  const invalid = (form: string, errors: FieldErrors, names: readonly string[]) =>
    data<EditFailure>({ form, errors, values: keep(fields, names) }, { status: 400 });
  const itemNames = (prefix: string) => ITEM_FIELDS.map((name) => `${prefix}${name}`);
  const id = itemId.safeParse(fields.itemId);

  const intent = fields.intent ?? "";
  try {
    switch (intent) {
      case "save-details": {
        const parsed = parseDetails(
          // Slug and currency are not in the form once the need is public; keep the saved ones.
          canEditIdentity(need.status) ? fields : { ...fields, slug: need.slug, currency: need.currency },
          { today: today(), currentDeadline: need.deadline },
        );
        if (!parsed.ok) return invalid("details", parsed.errors, DETAIL_FIELDS);
        const { slug } = await updateNeedDetails(context.db, organisation.id, need.id, { ...parsed.data, slug: parsed.data.slug || need.slug });
        return back(slug, "saved");
      }
      case "add-item": {
        const parsed = parseItem(fields, "add-", currency, locale);
        if (!parsed.ok) return invalid("add", parsed.errors, itemNames("add-"));
        await addItem(context.db, organisation.id, need.id, parsed.data);
        return back(need.slug, "item-added");
      }
      case "update-item": {
        if (!id.success) break;
        const prefix = `item-${id.data}-`;
        const parsed = parseItem(fields, prefix, currency, locale);
        if (!parsed.ok) return invalid(`item-${id.data}`, parsed.errors, itemNames(prefix));
        await updateItem(context.db, organisation.id, need.id, id.data, parsed.data);
        return back(need.slug, "item-saved");
      }
      case "substitute-item": {
        if (!id.success) break;
        const prefix = `sub-${id.data}-`;
        const parsed = parseItem(fields, prefix, currency, locale);
        if (!parsed.ok) return invalid(`sub-${id.data}`, parsed.errors, itemNames(prefix));
        await substituteItem(context.db, organisation.id, need.id, id.data, parsed.data);
        return back(need.slug, "item-substituted");
      }
      case "remove-item": {
        if (!id.success) break;
        await removeItem(context.db, organisation.id, need.id, id.data);
        return back(need.slug, "item-removed");
      }
      case "move-item": {
        const direction = z.enum(["up", "down"]).safeParse(fields.direction);
        if (!id.success || !direction.success) break;
        await moveItem(context.db, organisation.id, need.id, id.data, direction.data);
        return back(need.slug, "item-moved");
      }
      case "transition": {
        const to = status.safeParse(fields.to);
        const from = status.safeParse(fields.from);
        if (!to.success || !from.success) break;
        await transitionNeed(context.db, { organisationId: organisation.id, needId: need.id, from: from.data, to: to.data, actor: "organiser" });
        return back(need.slug, "status");
      }
    }
  } catch (error) {
    if (error instanceof NeedRuleError) {
      // Refused by the rules (or lost a race): nothing was written; say why, in the page's language.
      // Payments not set up is a precondition the organiser must fix first, not a conflict.
      const status = error.code === "payments_not_ready" ? 400 : 409;
      return data<EditFailure>({ form: intent, errors: {}, values: {}, formError: { key: RULE_MESSAGES[error.code] } }, { status });
    }
    throw error;
  }
  return data<EditFailure>({ form: intent, errors: {}, values: {}, formError: { key: "needs.rule.illegalTransition" } }, { status: 400 });
}

const ACTION_LABELS: Partial<Record<NeedStatus, [MessageKey, MessageKey]>> = {
  live: ["needs.action.live", "needs.action.live.hint"],
  cancelled: ["needs.action.cancelled", "needs.action.cancelled.hint"],
  purchased: ["needs.action.purchased", "needs.action.purchased.hint"],
  delivered: ["needs.action.delivered", "needs.action.delivered.hint"],
  closed: ["needs.action.closed", "needs.action.closed.hint"],
};

export default function EditNeed() {
  const { organisation, need, isPublic, can, hasDonations, paymentsReady, nextSteps, notice } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>() as EditFailure | undefined;
  const t = useT();
  const locale = useLocale();
  const money = (minor: number) => formatMoney(minor, need.currency, locale);
  const base = `/dashboard/${organisation.slug}/needs/${need.slug}`;
  const failed = (form: string) => (failure?.form === form ? failure : undefined);
  const summaryLabels: [string, string][] =
    failure?.form === "details"
      ? detailLabels(t, can.editIdentity)
      : failure?.form === "add"
        ? itemLabels("add-", t, need.currency)
        : failure?.form.startsWith("item-")
          ? itemLabels(`${failure.form}-`, t, need.currency)
          : failure?.form.startsWith("sub-")
            ? itemLabels(`${failure.form}-`, t, need.currency)
            : [];
  const savedDetails = {
    title: need.title,
    summary: need.summary,
    story: need.story,
    slug: need.slug,
    currency: need.currency,
    deadline: need.deadline,
    surplusPolicy: need.surplusPolicy,
  };
  const savedItemValues = (prefix: string, item: (typeof need.items)[number]) => ({
    [`${prefix}name`]: item.name,
    [`${prefix}description`]: item.description,
    [`${prefix}quantity`]: String(item.quantity),
    [`${prefix}unitCost`]: amountInputValue(item.unitCost, need.currency),
  });

  return (
    <section className="wide-page need-editor">
      <OrgNav slug={organisation.slug} name={organisation.name} />
      <h1>{need.title}</h1>
      <p>
        <span className={`status status-${need.status}`}>{t("needs.edit.status", { status: t(`need.status.${need.status}`) })}</span>
      </p>
      {notice && !failure ? (
        <p className="notice" role="status">
          {t(notice, { status: t(`need.status.${need.status}`) })}
        </p>
      ) : null}
      <ErrorSummary errors={failure?.errors} labels={summaryLabels} formError={failure?.formError} />
      {failure?.formError?.key === "payments.rule.notReady" ? (
        <p>
          <Link to={`/dashboard/${organisation.slug}/payments`}>{t("payments.publish.link")}</Link>
        </p>
      ) : null}
      <p className="row-links">
        <Link to={`${base}/preview`}>{t("needs.edit.previewLink")}</Link>
        {isPublic ? <Link to={`/needs/${need.slug}`}>{t("needs.edit.publicLink")}</Link> : null}
        {isPublic ? <Link to={`/dashboard/${organisation.slug}/updates/new?need=${encodeURIComponent(need.slug)}`}>{t("updates.postForNeed")}</Link> : null}
      </p>

      <section aria-labelledby="lifecycle" className="editor-section">
        <h2 id="lifecycle">{t("needs.lifecycle.title")}</h2>
        {need.status === "live" ? <p>{t("needs.lifecycle.fundedAuto")}</p> : null}
        {nextSteps.length === 0 ? <p>{t("needs.lifecycle.none", { status: t(`need.status.${need.status}`) })}</p> : null}
        {nextSteps.includes("live") && !paymentsReady ? (
          <p className="notice-info" id="payments-not-ready">
            {t("payments.publish.notice")} <Link to={`/dashboard/${organisation.slug}/payments`}>{t("payments.publish.link")}</Link>
          </p>
        ) : null}
        <div className="lifecycle-actions">
          {nextSteps.map((to) => {
            const [label, hint] = ACTION_LABELS[to] ?? ["needs.rule.illegalTransition", "needs.rule.illegalTransition"];
            return (
              <Form method="post" key={to} className="lifecycle-action">
                <input type="hidden" name="intent" value="transition" />
                <input type="hidden" name="from" value={need.status} />
                <input type="hidden" name="to" value={to} />
                <button type="submit" className={to === "cancelled" ? "danger-button" : "primary-button"} aria-describedby={to === "live" && !paymentsReady ? `hint-${to} payments-not-ready` : `hint-${to}`}
                >
                  {t(label)}
                </button>
                <p id={`hint-${to}`} className="hint">
                  {t(hint)}
                </p>
              </Form>
            );
          })}
        </div>
      </section>

      <section aria-labelledby="items-heading" className="editor-section">
        <h2 id="items-heading">{t("needs.edit.items")}</h2>
        <p className="goal">{t("needs.edit.goal", { goal: money(need.goal) })}</p>
        {hasDonations && (can.addItems || can.substitute) ? <p className="notice-info">{t("needs.edit.itemsLocked")}</p> : null}
        {!can.addItems && !can.substitute && !can.changeItems ? <p>{t("needs.edit.itemsClosed")}</p> : null}
        {need.items.length === 0 ? <p>{t("needs.edit.noItems")}</p> : null}
        <ol className="editor-items">
          {need.items.map((item, index) => {
            const prefix = `item-${item.id}-`;
            const subPrefix = `sub-${item.id}-`;
            const mine = failed(`item-${item.id}`);
            const sub = failed(`sub-${item.id}`);
            return (
              <li key={item.id} className={item.substitutedBy ? "editor-item substituted" : "editor-item"}>
                {can.changeItems && !item.substitutedBy ? (
                  <>
                    <Form method="post" noValidate>
                      <input type="hidden" name="intent" value="update-item" />
                      <input type="hidden" name="itemId" value={item.id} />
                      <fieldset>
                        <legend>{t("needs.item.editLegend", { name: item.name })}</legend>
                        <ItemFields prefix={prefix} currency={need.currency} values={mine?.values ?? savedItemValues(prefix, item)} errors={mine?.errors} />
                      </fieldset>
                      <div className="form-actions">
                        <button type="submit" className="secondary-button">
                          {t("needs.item.save")}
                        </button>
                      </div>
                    </Form>
                    <div className="item-tools">
                      {index > 0 ? (
                        <Form method="post">
                          <input type="hidden" name="intent" value="move-item" />
                          <input type="hidden" name="itemId" value={item.id} />
                          <input type="hidden" name="direction" value="up" />
                          <button type="submit" className="secondary-button" aria-label={t("needs.item.moveUpLabel", { name: item.name })}>
                            {t("needs.item.moveUp")}
                          </button>
                        </Form>
                      ) : null}
                      {index < need.items.length - 1 ? (
                        <Form method="post">
                          <input type="hidden" name="intent" value="move-item" />
                          <input type="hidden" name="itemId" value={item.id} />
                          <input type="hidden" name="direction" value="down" />
                          <button type="submit" className="secondary-button" aria-label={t("needs.item.moveDownLabel", { name: item.name })}>
                            {t("needs.item.moveDown")}
                          </button>
                        </Form>
                      ) : null}
                      <Form method="post">
                        <input type="hidden" name="intent" value="remove-item" />
                        <input type="hidden" name="itemId" value={item.id} />
                        <button type="submit" className="danger-button" aria-label={t("needs.item.removeLabel", { name: item.name })}>
                          {t("needs.item.remove")}
                        </button>
                      </Form>
                    </div>
                  </>
                ) : (
                  <>
                    <div className="item-head">
                      <span className="item-name">{item.substitutedBy ? <s>{item.name}</s> : item.name}</span>
                      <span className="item-total">{money(item.total)}</span>
                    </div>
                    <p className="item-meta">
                      {t("need.item.quantity")}: {t("needs.item.quantityTimesCost", { quantity: item.quantity.toLocaleString(locale), unitCost: money(item.unitCost) })}
                    </p>
                    {item.substitutedBy ? <p className="note">{t("need.item.substitutedBy", { name: item.substitutedBy })}</p> : null}
                    {item.addedAt ? <p className="added-on">{t("needs.item.addedOn", { date: formatDate(item.addedAt, locale) })}</p> : null}
                    {can.substitute && !item.substitutedBy ? (
                      <details className="substitute" open={Boolean(sub)}>
                        <summary>{t("needs.item.substitute", { name: item.name })}</summary>
                        <p className="hint">{t("needs.item.substituteHint")}</p>
                        <Form method="post" noValidate>
                          <input type="hidden" name="intent" value="substitute-item" />
                          <input type="hidden" name="itemId" value={item.id} />
                          <ItemFields prefix={subPrefix} currency={need.currency} values={sub?.values} errors={sub?.errors} />
                          <div className="form-actions">
                            <button type="submit" className="secondary-button">
                              {t("needs.item.substituteSubmit")}
                            </button>
                          </div>
                        </Form>
                      </details>
                    ) : null}
                  </>
                )}
              </li>
            );
          })}
        </ol>
        {can.addItems ? (
          <Form method="post" noValidate className="add-item">
            <input type="hidden" name="intent" value="add-item" />
            <fieldset>
              <legend>{t("needs.addItem.title")}</legend>
              <ItemFields prefix="add-" currency={need.currency} values={failed("add")?.values} errors={failed("add")?.errors} />
            </fieldset>
            <div className="form-actions">
              <button type="submit" className="primary-button">
                {t("needs.addItem.submit")}
              </button>
            </div>
          </Form>
        ) : null}
      </section>

      <section aria-labelledby="details-heading" className="editor-section">
        <h2 id="details-heading">{t("needs.edit.details")}</h2>
        {can.editDetails ? (
          <Form method="post" noValidate>
            <input type="hidden" name="intent" value="save-details" />
            {can.editIdentity ? null : <p className="hint">{t("needs.edit.identityLocked", { slug: need.slug, currency: need.currency })}</p>}
            <DetailsFields values={failed("details")?.values ?? savedDetails} errors={failed("details")?.errors} identity={can.editIdentity} />
            <div className="form-actions">
              <button type="submit" className="primary-button">
                {t("needs.edit.saveDetails")}
              </button>
            </div>
          </Form>
        ) : (
          <p>{t("needs.edit.detailsLocked", { status: t(`need.status.${need.status}`) })}</p>
        )}
      </section>
    </section>
  );
}
