import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { requireMember } from "~/auth/membership.server";
import { useT } from "~/components/i18n";
import { DetailsFields, detailLabels, ErrorSummary, ItemFields, itemLabels, type FieldErrors } from "~/components/NeedFormFields";
import { OrgNav } from "~/components/OrgNav";
import {
  DETAIL_FIELDS,
  formStrings,
  ITEM_FIELDS,
  itemRowCount,
  keep,
  parseDetails,
  parseItemRows,
  randomSuffix,
  RESERVED_NEED_SLUGS,
  RULE_MESSAGES,
  slugFromTitle,
} from "~/forms/needs.server";
import { requestLocale, translator } from "~/locales";
import { createNeed, NeedRuleError } from "~/models/needs.server";
import { isCurrency } from "~/money";
import { DEFAULT_ITEM_ROWS, MAX_ITEM_ROWS } from "~/need-options";
import { today } from "~/need-page.server";
import needsStyles from "~/styles/needs.css";

// $org_ (trailing underscore): never nested in a /dashboard/:org layout, whoever adds one.

export const links: LinksFunction = () => [{ rel: "stylesheet", href: needsStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ""} — Tomoni` }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { organisation } = await requireMember(request, context, params.org);
  return {
    title: `${translator(requestLocale(request))("needs.new")} · ${organisation.name}`,
    organisation: { slug: organisation.slug, name: organisation.name },
  };
}

interface NewNeedForm {
  rows: number;
  values: Record<string, string>;
  errors: FieldErrors;
}

const rowFields = (rows: number) => Array.from({ length: rows }, (_, row) => ITEM_FIELDS.map((name) => `item${row}-${name}`)).flat();

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { organisation } = await requireMember(request, context, params.org);
  const locale = requestLocale(request);
  const fields = formStrings(await request.formData());
  const rows = itemRowCount(fields);
  const values = keep(fields, [...DETAIL_FIELDS, ...rowFields(rows)]);

  // "Add another item" without JavaScript: the same form again, as typed, with one more row.
  if (fields.intent === "add-row") return data<NewNeedForm>({ rows: Math.min(rows + 1, MAX_ITEM_ROWS), values, errors: {} });

  const details = parseDetails(fields, { today: today() });
  const currency = details.ok ? details.data.currency : isCurrency(fields.currency ?? "") ? (fields.currency as "JPY") : "JPY";
  const items = parseItemRows(fields, rows, currency, locale);
  if (!details.ok || !items.ok) {
    const errors = { ...(details.ok ? {} : details.errors), ...(items.ok ? {} : items.errors) };
    return data<NewNeedForm>({ rows, values, errors }, { status: 400 });
  }

  const chosen = details.data.slug;
  // Titles in Japanese have no ASCII to make a slug from: a short random one serves instead.
  const base = chosen || slugFromTitle(details.data.title) || "need";
  for (let attempt = 0; attempt < 4; attempt++) {
    const slug =
      chosen || (attempt === 0 && base !== "need" && !RESERVED_NEED_SLUGS.has(base) ? base : `${base.slice(0, 70)}-${randomSuffix()}`);
    try {
      await createNeed(context.db, organisation.id, { ...details.data, slug, items: items.data });
      return redirect(`/dashboard/${organisation.slug}/needs/${slug}?notice=created`, { status: 303 });
    } catch (error) {
      if (!(error instanceof NeedRuleError) || error.code !== "slug_taken") throw error;
      if (chosen) return data<NewNeedForm>({ rows, values, errors: { slug: { key: RULE_MESSAGES.slug_taken } } }, { status: 400 });
    }
  }
  return data<NewNeedForm>({ rows, values, errors: { slug: { key: RULE_MESSAGES.slug_taken } } }, { status: 400 });
}

export default function NewNeed() {
  const { organisation } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as NewNeedForm | undefined;
  const t = useT();
  const rows = result?.rows ?? DEFAULT_ITEM_ROWS;
  const values = result?.values ?? { currency: "JPY" };
  const labels = [
    ...detailLabels(t, true),
    ...Array.from({ length: rows }, (_, row) => itemLabels(`item${row}-`, t, null).map(([id, label]) => [id, `${t("needs.items.row", { number: row + 1 })} ${label}`] as [string, string])).flat(),
  ];
  return (
    <section className="wide-page need-editor">
      <OrgNav slug={organisation.slug} name={organisation.name} />
      <h1>{t("needs.new")}</h1>
      <p className="intro">{t("needs.new.intro")}</p>
      <ErrorSummary errors={result?.errors} labels={labels} />
      <Form method="post" noValidate>
        {/* Enter in a text field clicks the form's first submit button: make that "save",
            not "add another item" further down. Hidden, so never focused or announced. */}
        <button type="submit" name="intent" value="create" hidden tabIndex={-1} />
        <input type="hidden" name="rows" value={rows} />
        <DetailsFields values={values} errors={result?.errors} />
        <fieldset className="item-rows">
          <legend>{t("needs.items.legend")}</legend>
          <p className="hint">{t("needs.items.hint")}</p>
          {Array.from({ length: rows }, (_, row) => (
            <fieldset key={row} className="item-row">
              <legend>{t("needs.items.row", { number: row + 1 })}</legend>
              <ItemFields prefix={`item${row}-`} currency={null} values={values} errors={result?.errors} />
            </fieldset>
          ))}
          {rows < MAX_ITEM_ROWS ? (
            <button type="submit" name="intent" value="add-row" className="secondary-button">
              {t("needs.items.addRow")}
            </button>
          ) : null}
        </fieldset>
        <div className="form-actions">
          <button type="submit" name="intent" value="create" className="primary-button">
            {t("needs.new.submit")}
          </button>
        </div>
      </Form>
    </section>
  );
}
