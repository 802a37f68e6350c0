import type { OrganisationFieldName as FieldName } from "~/forms/organisation-fields";
import type { FieldErrors } from "./forms";
import { Field } from "./forms";
import { useT } from "./i18n";


/** The organisation form's fields, shared by "create" and "settings". */
export function OrganisationFields({ values, errors }: { values: Partial<Record<FieldName, string | null>>; errors?: FieldErrors }) {
  const t = useT();
  const value = (name: FieldName) => values[name] ?? "";
  return (
    <>
      <Field name="name" label={t("org.field.name")} required maxLength={120} defaultValue={value("name")} error={errors?.name} autoComplete="organization" />
      <Field
        name="slug"
        label={t("org.field.slug")}
        hint={t("org.field.slug.hint")}
        maxLength={60}
        spellCheck={false}
        autoComplete="off"
        defaultValue={value("slug")}
        error={errors?.slug}
      />
      <Field
        name="summary"
        label={t("org.field.summary")}
        hint={t("org.field.summary.hint")}
        multiline
        rows={3}
        maxLength={280}
        defaultValue={value("summary")}
        error={errors?.summary}
      />
      <Field
        name="region"
        label={t("org.field.region")}
        hint={t("org.field.region.hint")}
        maxLength={80}
        autoComplete="off"
        defaultValue={value("region")}
        error={errors?.region}
      />
      <Field
        name="website"
        label={t("org.field.website")}
        type="url"
        inputMode="url"
        maxLength={300}
        spellCheck={false}
        autoComplete="url"
        defaultValue={value("website")}
        error={errors?.website}
      />
      <Field
        name="contactEmail"
        label={t("org.field.contactEmail")}
        hint={t("org.field.contactEmail.hint")}
        type="email"
        inputMode="email"
        spellCheck={false}
        autoComplete="email"
        defaultValue={value("contactEmail")}
        error={errors?.contactEmail}
      />
      <Field
        name="about"
        label={t("org.field.about")}
        hint={t("org.field.about.hint")}
        multiline
        rows={10}
        maxLength={20000}
        defaultValue={value("about")}
        error={errors?.about}
      />
    </>
  );
}
