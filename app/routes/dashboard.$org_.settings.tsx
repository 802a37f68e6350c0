import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { requireMember } from "~/auth/membership.server";
import { ErrorSummary, Notice } from "~/components/forms";
import { useT } from "~/components/i18n";
import { OrganisationFields } from "~/components/OrganisationFields";
import { OrgNav } from "~/components/OrgNav";
import { ORGANISATION_FIELDS } from "~/forms/organisation-fields";
import { organisationSchema } from "~/forms/organisation.server";
import { formFields, keepValues, parseForm } from "~/forms/parse.server";
import { invalid, type FormFailure } from "~/forms/responses.server";
import { requestLocale, translator } from "~/locales";
import { updateOrganisation } from "~/models/organisations.server";

// $org_ (trailing underscore): not nested in a /dashboard/:org layout, whoever adds one.

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ""} — Tomoni` }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  // Owners and organisers alike keep their organisation's public profile up to date.
  const { organisation } = await requireMember(request, context, params.org);
  return {
    title: `${translator(requestLocale(request))("org.settings.title")} · ${organisation.name}`,
    organisation,
    saved: new URL(request.url).searchParams.has("saved"),
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { organisation } = await requireMember(request, context, params.org);
  const fields = formFields(await request.formData());
  const values = keepValues(fields, ORGANISATION_FIELDS);
  const parsed = parseForm(organisationSchema, fields);
  if (!parsed.success) return invalid({ errors: parsed.errors, values });
  const updated = await updateOrganisation(context.db, organisation.id, parsed.data);
  if ("slugTaken" in updated) return invalid({ errors: { slug: "error.slugTaken" }, values: { ...values, slug: parsed.data.slug } });
  // The slug may have changed: go to the settings page under its new address.
  return redirect(`/dashboard/${parsed.data.slug}/settings?saved`, { status: 303 });
}

export default function OrganisationSettings() {
  const { organisation, saved } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>() as FormFailure | undefined;
  const t = useT();
  return (
    <section className="wide-page">
      <OrgNav slug={organisation.slug} name={organisation.name} />
      <h1>{t("org.settings.title")}</h1>
      {saved && !failure ? <Notice>{t("org.settings.saved")}</Notice> : null}
      <ErrorSummary errors={failure?.errors} order={ORGANISATION_FIELDS} formError={failure?.formError} />
      <Form method="post" noValidate>
        <OrganisationFields values={failure?.values ?? organisation} errors={failure?.errors} />
        <div className="form-actions">
          <button type="submit" className="primary-button">
            {t("org.settings.submit")}
          </button>
        </div>
      </Form>
    </section>
  );
}

