import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useT } from "~/components/i18n";
import { ErrorSummary, type FieldError, type FieldErrors } from "~/components/NeedFormFields";
import { Timeline } from "~/components/Timeline";
import { ConsentField, DignityReminder } from "~/components/UpdateFormFields";
import { formStrings, ruleError } from "~/forms/update.server";
import { requestLocale, translator } from "~/locales";
import { updateEntry, type TimelineData } from "~/models/timeline.server";
import { publicUpdatePath, publishUpdate, UpdateRuleError } from "~/models/updates.server";
import needsStyles from "~/styles/needs.css";
import timelineStyles from "~/styles/timeline.css";
import updatesStyles from "~/styles/updates.css";
import { requireDashboardUpdate } from "~/update-page.server";

// $id_: a page of its own, not nested in the edit page. It shows the update exactly as the
// public timeline will (the same component, the same sanitised HTML), and publishes from here.

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: needsStyles },
  { rel: "stylesheet", href: timelineStyles },
  { rel: "stylesheet", href: updatesStyles },
];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.title} — Tomoni` : "Tomoni" },
  // A draft must never end up in a search index, even if its preview URL leaks.
  { name: "robots", content: "noindex, nofollow" },
];

const notFound = () => new Response("Not Found", { status: 404 });

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { organisation, update } = await requireDashboardUpdate(request, context, params);
  const t = translator(requestLocale(request));
  const timeline: TimelineData = {
    // A draft is shown as if published now: that is when it would be.
    entries: [updateEntry({ ...update, publishedAt: update.publishedAt ?? new Date() })],
    track: null,
    completed: false,
  };
  return {
    title: `${t("updates.preview.title")}: ${update.title}`,
    organisation: { slug: organisation.slug, name: organisation.name },
    update: { id: update.id, title: update.title, published: update.publishedAt !== null, consentConfirmed: update.consentConfirmed, publicPath: publicUpdatePath(update, organisation.slug) },
    where: update.needTitle
      ? t("updates.preview.where.need", { need: update.needTitle })
      : t("updates.preview.where.organisation", { organisation: organisation.name }),
    timelineTitle: update.needTitle ? t("timeline.title") : t("timeline.org.title", { organisation: organisation.name }),
    timeline,
  };
}

interface Failure {
  errors: FieldErrors;
  formError?: FieldError;
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { organisation, update } = await requireDashboardUpdate(request, context, params);
  const fields = formStrings(await request.formData());
  const editPath = `/dashboard/${organisation.slug}/updates/${update.id}`;
  if (fields.intent !== "publish") return redirect(editPath, { status: 303 });
  if (fields.consent !== "yes") return data<Failure>({ errors: { consent: { key: "updates.error.consent" } } }, { status: 400 });
  try {
    const result = await publishUpdate(context.db, {
      organisationId: organisation.id,
      updateId: update.id,
      appUrl: context.env.APP_URL,
      consentConfirmed: true,
    });
    return redirect(`${editPath}?notice=${result.outcome === "published" ? "published" : "already-published"}`, { status: 303 });
  } catch (error) {
    if (!(error instanceof UpdateRuleError)) throw error;
    if (error.code === "not_found") throw notFound();
    // Nothing was published (the whole transaction rolled back); the fix is in the editor.
    return data<Failure>({ errors: {}, formError: ruleError(error.code).error }, { status: 409 });
  }
}

export default function UpdatePreview() {
  const { organisation, update, where, timelineTitle, timeline } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>() as Failure | undefined;
  const t = useT();
  const editPath = `/dashboard/${organisation.slug}/updates/${update.id}`;
  return (
    <div className="wide-page update-preview">
      <div className="preview-banner" role="note">
        <h1 className="preview-heading">{t("updates.preview.heading", { title: update.title })}</h1>
        <p>{t(update.published ? "updates.preview.bannerPublished" : "updates.preview.banner")}</p>
        <p>{where}</p>
        <p>
          <Link to={editPath}>{t("updates.preview.back")}</Link>
          {update.published ? (
            <>
              {" · "}
              <Link to={update.publicPath}>{t("updates.link.public")}</Link>
            </>
          ) : null}
        </p>
      </div>
      <Timeline data={timeline} title={timelineTitle} empty="" />
      {update.published ? null : (
        <section className="publish-panel" aria-labelledby="publish-title">
          <h2 id="publish-title">{t("updates.preview.publishTitle")}</h2>
          <DignityReminder />
          <ErrorSummary errors={failure?.errors} labels={[["consent", t("updates.field.consent.short")]]} formError={failure?.formError} />
          {failure?.formError ? (
            <p>
              <Link to={editPath}>{t("updates.preview.fix")}</Link>
            </p>
          ) : null}
          <Form method="post" noValidate>
            <ConsentField checked={update.consentConfirmed} error={failure?.errors.consent} required />
            <div className="form-actions">
              <button type="submit" name="intent" value="publish" className="primary-button" aria-describedby="publish-hint">
                {t("updates.action.publish")}
              </button>
              <Link to={editPath}>{t("updates.preview.back")}</Link>
            </div>
            <p id="publish-hint" className="hint">
              {t("updates.action.publishHint")}
            </p>
          </Form>
        </section>
      )}
    </div>
  );
}
