import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { requireMember } from "~/auth/membership.server";
import { useT } from "~/components/i18n";
import { ErrorSummary, type FieldError, type FieldErrors } from "~/components/NeedFormFields";
import { OrgNav } from "~/components/OrgNav";
import { ConsentField, DignityReminder, UpdateFields, updateLabels } from "~/components/UpdateFormFields";
import { postedToken, submissionKey } from "~/forms/submission.server";
import { formStrings, keepUpdateValues, latestEventDate, parseUpdateForm, ruleError } from "~/forms/update.server";
import { requestLocale, translator } from "~/locales";
import { createUpdateDraft, listUpdateNeedChoices, UpdateRuleError } from "~/models/updates.server";
import { today } from "~/need-page.server";
import needsStyles from "~/styles/needs.css";
import updatesStyles from "~/styles/updates.css";

// $org_: never nested in a /dashboard/:org layout. A new update is always saved as a draft
// first: publishing is a conditional UPDATE of a saved row, so a double click cannot publish twice;
// the form's one-time token makes a double click on "save" one draft, not two.

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: needsStyles },
  { rel: "stylesheet", href: updatesStyles },
];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ""} — Tomoni` }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { organisation } = await requireMember(request, context, params.org);
  const needs = await listUpdateNeedChoices(context.db, organisation.id);
  // ?need=<slug> (the need editor's "Post an update" link) preselects that need.
  const wanted = new URL(request.url).searchParams.get("need");
  const preselected = wanted ? needs.find((need) => need.slug === wanted) : undefined;
  const day = today();
  return {
    title: `${translator(requestLocale(request))("updates.new.title")} · ${organisation.name}`,
    organisation: { slug: organisation.slug, name: organisation.name },
    needs: needs.map(({ id, title, status }) => ({ id, title, status })),
    values: { need: preselected ? String(preselected.id) : "", eventDate: day },
    latestDate: latestEventDate(day),
    token: context.formToken,
  };
}

interface Failure {
  values: Record<string, string>;
  errors: FieldErrors;
  formError?: FieldError;
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { organisation, user } = await requireMember(request, context, params.org);
  const fields = formStrings(await request.formData());
  const values = keepUpdateValues(fields);
  const needs = await listUpdateNeedChoices(context.db, organisation.id);
  const parsed = parseUpdateForm(fields, { locale: requestLocale(request), today: today(), needs, requireConsent: false });
  if (!parsed.ok) return data<Failure>({ values, errors: parsed.errors }, { status: 400 });
  try {
    const token = postedToken(fields.token);
    const { id } = await createUpdateDraft(context.db, {
      organisationId: organisation.id,
      authorId: user.id,
      content: parsed.data,
      submissionKey: token ? submissionKey(token, [parsed.data]) : null,
    });
    const base = `/dashboard/${organisation.slug}/updates/${id}`;
    return redirect(fields.intent === "preview" ? `${base}/preview` : `${base}?notice=created`, { status: 303 });
  } catch (error) {
    if (!(error instanceof UpdateRuleError)) throw error;
    // The need moved on (or went away) between the page and the post: nothing was written.
    const { field, error: message } = ruleError(error.code);
    return data<Failure>(field ? { values, errors: { [field]: message } } : { values, errors: {}, formError: message }, { status: 400 });
  }
}

export default function NewUpdate() {
  const loaded = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>() as Failure | undefined;
  const t = useT();
  const { organisation } = loaded;
  const values: Record<string, string> = failure?.values ?? loaded.values;
  return (
    <section className="wide-page update-editor">
      <OrgNav slug={organisation.slug} name={organisation.name} />
      <h1>{t("updates.new.title")}</h1>
      <p className="intro">{t("updates.new.intro")}</p>
      <DignityReminder />
      <ErrorSummary errors={failure?.errors} labels={updateLabels(t, { fixed: false })} formError={failure?.formError} />
      <Form method="post" noValidate>
        <input type="hidden" name="token" value={loaded.token} />
        {/* Enter in a text field presses the first submit button: make that "save draft". */}
        <button type="submit" name="intent" value="save" hidden tabIndex={-1} />
        <UpdateFields needs={loaded.needs} values={values} errors={failure?.errors} latestDate={loaded.latestDate} />
        <ConsentField checked={values.consent === "yes"} error={failure?.errors.consent} required={false} />
        <div className="form-actions">
          <button type="submit" name="intent" value="preview" className="primary-button">
            {t("updates.action.preview")}
          </button>
          <button type="submit" name="intent" value="save" className="secondary-button">
            {t("updates.action.save")}
          </button>
        </div>
        <p className="hint">{t("updates.new.publishLater")}</p>
      </Form>
    </section>
  );
}
