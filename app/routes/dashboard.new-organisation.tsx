import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData } from "@remix-run/react";
import { requireUser } from "~/auth/session.server";
import { ErrorSummary } from "~/components/forms";
import { useT } from "~/components/i18n";
import { OrganisationFields } from "~/components/OrganisationFields";
import { ORGANISATION_FIELDS } from "~/forms/organisation-fields";
import { organisationSchema } from "~/forms/organisation.server";
import { formFields, keepValues, parseForm } from "~/forms/parse.server";
import { invalid, type FormFailure } from "~/forms/responses.server";
import { requestLocale, translator } from "~/locales";
import { createOrganisation } from "~/models/organisations.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ""} — Tomoni` }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUser(request, context);
  return { title: translator(requestLocale(request))("org.new.title") };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  const fields = formFields(await request.formData());
  const values = keepValues(fields, ORGANISATION_FIELDS);
  const parsed = parseForm(organisationSchema, fields);
  if (!parsed.success) return invalid({ errors: parsed.errors, values });
  const created = await createOrganisation(context.db, user.id, parsed.data);
  if ("slugTaken" in created) return invalid({ errors: { slug: "error.slugTaken" }, values: { ...values, slug: parsed.data.slug } });
  return redirect(`/dashboard/${created.organisation.slug}`, { status: 303 });
}

export default function NewOrganisation() {
  const failure = useActionData<typeof action>() as FormFailure | undefined;
  const t = useT();
  return (
    <section className="wide-page">
      <h1>{t("org.new.title")}</h1>
      <p className="intro">{t("org.new.intro")}</p>
      <ErrorSummary errors={failure?.errors} order={ORGANISATION_FIELDS} formError={failure?.formError} />
      <Form method="post" noValidate>
        <OrganisationFields values={failure?.values ?? {}} errors={failure?.errors} />
        <div className="form-actions">
          <button type="submit" className="primary-button">
            {t("org.new.submit")}
          </button>
        </div>
      </Form>
    </section>
  );
}
