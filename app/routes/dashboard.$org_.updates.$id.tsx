import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useLocale, useT } from "~/components/i18n";
import { ErrorSummary, type FieldError, type FieldErrors } from "~/components/NeedFormFields";
import { OrgNav } from "~/components/OrgNav";
import { ConsentField, DignityReminder, formatInstant, UpdateFields, updateLabels } from "~/components/UpdateFormFields";
import { formStrings, keepUpdateValues, latestEventDate, parseUpdateForm, ruleError, SPEND_NOTE_STEPS, WHOLE_ORGANISATION } from "~/forms/update.server";
import { requestLocale, translator, type MessageKey } from "~/locales";
import {
  deleteUpdate,
  listUpdateNeedChoices,
  publicUpdatePath,
  publishUpdate,
  saveUpdate,
  UpdateRuleError,
  type DashboardUpdate,
} from "~/models/updates.server";
import { today } from "~/need-page.server";
import needsStyles from "~/styles/needs.css";
import updatesStyles from "~/styles/updates.css";
import { requireDashboardUpdate } from "~/update-page.server";

// $org_: never nested in a /dashboard/:org layout. Edit, publish and delete one update.

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: needsStyles },
  { rel: "stylesheet", href: updatesStyles },
];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ""} — Tomoni` }];

/** Messages a redirect after a change may ask for; anything else is ignored. */
const NOTICES = {
  created: "updates.notice.created",
  saved: "updates.notice.saved",
  edited: "updates.notice.edited",
  published: "updates.notice.published",
  "already-published": "updates.notice.alreadyPublished",
} as const satisfies Record<string, MessageKey>;

const notFound = () => new Response("Not Found", { status: 404 });

function savedValues(update: DashboardUpdate): Record<string, string> {
  return {
    need: update.needId === null ? WHOLE_ORGANISATION : String(update.needId),
    title: update.title,
    eventDate: update.eventDate,
    body: update.body,
    lifecycleStep: update.lifecycleStep ?? "",
    spendNote: update.spendNote,
    // A draft keeps the box as it was saved; a published update asks again with every edit.
    consent: update.publishedAt === null && update.consentConfirmed ? "yes" : "",
  };
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { organisation, update } = await requireDashboardUpdate(request, context, params);
  const locale = requestLocale(request);
  const t = translator(locale);
  const url = new URL(request.url);
  const notice = url.searchParams.get("notice");
  const published = update.publishedAt !== null;
  const needs = published ? [] : await listUpdateNeedChoices(context.db, organisation.id);
  return {
    title: `${update.title} · ${organisation.name}`,
    organisation: { slug: organisation.slug, name: organisation.name },
    update: {
      id: update.id,
      title: update.title,
      publishedAt: update.publishedAt?.toISOString() ?? null,
      editedAt: update.editedAt?.toISOString() ?? null,
      target: update.needTitle ?? t("updates.about.organisation"),
      step: update.lifecycleStep ? t(`updates.step.${update.lifecycleStep}`) : null,
      spendNote: update.lifecycleStep !== null && SPEND_NOTE_STEPS.includes(update.lifecycleStep),
      publicPath: publicUpdatePath(update, organisation.slug),
    },
    values: savedValues(update),
    needs: needs.map(({ id, title, status }) => ({ id, title, status })),
    latestDate: latestEventDate(today()),
    confirmDelete: url.searchParams.has("delete"),
    notice: notice && Object.hasOwn(NOTICES, notice) ? NOTICES[notice as keyof typeof NOTICES] : null,
  };
}

interface Failure {
  values: Record<string, string>;
  errors: FieldErrors;
  formError?: FieldError;
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { organisation, update } = await requireDashboardUpdate(request, context, params);
  const fields = formStrings(await request.formData());
  const intent = fields.intent ?? "save";
  const base = `/dashboard/${organisation.slug}/updates`;

  if (intent === "delete") {
    // Soft delete by any member; the confirmation step is the page asking first (?delete).
    if (!(await deleteUpdate(context.db, organisation.id, update.id))) throw notFound();
    return redirect(`${base}?notice=deleted`, { status: 303 });
  }

  const published = update.publishedAt !== null;
  const publishing = intent === "publish" && !published;
  const values = keepUpdateValues(fields);
  const needs = published ? [] : await listUpdateNeedChoices(context.db, organisation.id);
  const parsed = parseUpdateForm(fields, {
    locale: requestLocale(request),
    today: today(),
    needs,
    requireConsent: publishing || published,
    fixed: published ? { needId: update.needId, lifecycleStep: update.lifecycleStep } : undefined,
  });
  if (!parsed.ok) return data<Failure>({ values, errors: parsed.errors }, { status: 400 });

  try {
    if (publishing) {
      const result = await publishUpdate(context.db, {
        organisationId: organisation.id,
        updateId: update.id,
        appUrl: context.env.APP_URL,
        consentConfirmed: parsed.data.consentConfirmed,
        content: parsed.data,
      });
      return redirect(`${base}/${update.id}?notice=${result.outcome === "published" ? "published" : "already-published"}`, { status: 303 });
    }
    const saved = await saveUpdate(context.db, { organisationId: organisation.id, updateId: update.id, content: parsed.data });
    if (intent === "preview") return redirect(`${base}/${update.id}/preview`, { status: 303 });
    return redirect(`${base}/${update.id}?notice=${saved.published ? "edited" : "saved"}`, { status: 303 });
  } catch (error) {
    if (!(error instanceof UpdateRuleError)) throw error;
    if (error.code === "not_found") throw notFound();
    // Refused by the rules (the need moved on meanwhile): nothing was written or published.
    const { field, error: message } = ruleError(error.code);
    return data<Failure>(field ? { values, errors: { [field]: message } } : { values, errors: {}, formError: message }, { status: 409 });
  }
}

export default function EditUpdate() {
  const loaded = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>() as Failure | undefined;
  const t = useT();
  const locale = useLocale();
  const { organisation, update, confirmDelete, notice } = loaded;
  const published = update.publishedAt !== null;
  const values = failure?.values ?? loaded.values;
  const base = `/dashboard/${organisation.slug}/updates/${update.id}`;
  return (
    <section className="wide-page update-editor">
      <OrgNav slug={organisation.slug} name={organisation.name} />
      <p className="breadcrumb">
        <Link to={`/dashboard/${organisation.slug}/updates`}>{t("updates.list.back")}</Link>
      </p>
      <h1>{t(published ? "updates.edit.titlePublished" : "updates.edit.titleDraft")}</h1>
      <p className="update-state">
        {published ? (
          <>
            {t("updates.state.published", { date: formatInstant(update.publishedAt!, locale) })}
            {update.editedAt ? ` · ${t("updates.state.edited", { date: formatInstant(update.editedAt, locale) })}` : null}
          </>
        ) : (
          t("updates.state.draft")
        )}
      </p>
      {notice && !failure ? (
        <p className="notice" role="status">
          {t(notice)}
        </p>
      ) : null}
      <p className="row-links">
        <Link to={`${base}/preview`}>{t("updates.link.preview")}</Link>
        {published ? <Link to={update.publicPath}>{t("updates.link.public")}</Link> : null}
      </p>

      {confirmDelete ? (
        <section className="delete-confirm" aria-labelledby="delete-title">
          <h2 id="delete-title">{t("updates.delete.title")}</h2>
          <p>{t(published ? "updates.delete.bodyPublished" : "updates.delete.bodyDraft")}</p>
          <Form method="post" className="form-actions">
            <button type="submit" name="intent" value="delete" className="danger-button">
              {t("updates.delete.confirm")}
            </button>
            <Link to={base}>{t("updates.delete.cancel")}</Link>
          </Form>
        </section>
      ) : null}

      <DignityReminder />
      <ErrorSummary errors={failure?.errors} labels={updateLabels(t, { fixed: published })} formError={failure?.formError} />
      {/* Keyed by the update's state: after a publish or an edit the fields start again from what
          was saved (the consent box unticked), even when the page was updated without a reload. */}
      <Form method="post" noValidate key={`${update.publishedAt}|${update.editedAt}`}>
        {/* Enter in a text field presses the first submit button: make that a plain save, never a publish. */}
        <button type="submit" name="intent" value="save" hidden tabIndex={-1} />
        <UpdateFields
          needs={loaded.needs}
          values={values}
          errors={failure?.errors}
          latestDate={loaded.latestDate}
          fixed={published ? { target: update.target, step: update.step, spendNote: update.spendNote } : undefined}
        />
        <ConsentField checked={values.consent === "yes"} error={failure?.errors.consent} required />
        {published ? (
          <>
            <div className="form-actions">
              <button type="submit" name="intent" value="save" className="primary-button">
                {t("updates.action.saveChanges")}
              </button>
            </div>
            <p className="hint">{t("updates.action.editHint")}</p>
          </>
        ) : (
          <>
            <div className="form-actions">
              <button type="submit" name="intent" value="publish" className="primary-button" aria-describedby="publish-hint">
                {t("updates.action.publish")}
              </button>
              <button type="submit" name="intent" value="preview" className="secondary-button">
                {t("updates.action.preview")}
              </button>
              <button type="submit" name="intent" value="save" className="secondary-button">
                {t("updates.action.save")}
              </button>
            </div>
            <p id="publish-hint" className="hint">
              {t("updates.action.publishHint")}
            </p>
          </>
        )}
      </Form>

      {confirmDelete ? null : (
        <p className="delete-link">
          <Link to={`${base}?delete`}>{t("updates.delete.link")}</Link>
        </p>
      )}
    </section>
  );
}
