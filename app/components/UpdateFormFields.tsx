import type { Locale } from "~/locales";
import type { FieldErrors, Values } from "./NeedFormFields";
import { FieldErrorText, TextField } from "./NeedFormFields";
import { useT } from "./i18n";

/**
 * The fields of the update form (new and edit pages). Server-rendered and usable without
 * JavaScript: errors sit next to their fields and are listed in the summary above the form.
 */

export interface NeedChoice {
  id: number;
  title: string;
  status: string;
}

type T = ReturnType<typeof useT>;

/** An instant in UTC, like every date on the site, so server and browser render the same text. */
export function formatInstant(iso: string, locale: Locale): string {
  return `${new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(new Date(iso))} UTC`;
}

/** Field ids in page order, with their labels, for the error summary. */
export function updateLabels(t: T, options: { fixed: boolean }): [string, string][] {
  const all: [string, string][] = [
    ["need", t("updates.field.need")],
    ["title", t("updates.field.title")],
    ["eventDate", t("updates.field.eventDate")],
    ["body", t("updates.field.body")],
    ["lifecycleStep", t("updates.field.lifecycleStep")],
    ["spendNote", t("updates.field.spendNote")],
    ["consent", t("updates.field.consent.short")],
  ];
  return options.fixed ? all.filter(([id]) => id !== "need" && id !== "lifecycleStep") : all;
}

/** Do not name, show or locate the people you help: said before anything is typed. */
export function DignityReminder() {
  const t = useT();
  return (
    <aside className="dignity-reminder" aria-labelledby="dignity-title">
      <h2 id="dignity-title">{t("updates.reminder.title")}</h2>
      <p>{t("updates.reminder.body")}</p>
    </aside>
  );
}


const describedBy = (...ids: (string | false | undefined)[]) => ids.filter(Boolean).join(" ") || undefined;

export function UpdateFields({
  needs,
  values,
  errors,
  latestDate,
  fixed,
}: {
  needs: readonly NeedChoice[];
  values: Values;
  errors?: FieldErrors;
  /** The latest event date accepted ('YYYY-MM-DD'), for the date input's max. */
  latestDate: string;
  /** A published update: need and step are shown, not offered; a spend note only if its step takes one. */
  fixed?: { target: string; step: string | null; spendNote: boolean };
}) {
  const t = useT();
  const value = (name: string) => values[name] ?? "";
  const stepOptions = ["purchased", "delivered", "closed"] as const;
  return (
    <>
      {fixed ? (
        <div className="fixed-facts">
          <p>{t("updates.fixed.need", { target: fixed.target })}</p>
          {fixed.step ? <p>{t("updates.fixed.step", { step: fixed.step })}</p> : null}
          <p className="hint">{t("updates.fixed.hint")}</p>
        </div>
      ) : (
        <div className={errors?.need ? "field field-has-error" : "field"}>
          <label htmlFor="need">{t("updates.field.need")}</label>
          <p id="need-hint" className="hint">
            {t("updates.field.need.hint")}
          </p>
          <FieldErrorText id="need" error={errors?.need} />
          <select
            id="need"
            name="need"
            defaultValue={value("need")}
            aria-invalid={errors?.need ? true : undefined}
            aria-describedby={describedBy("need-hint", errors?.need && "need-error")}
          >
            <option value="">{t("updates.field.need.choose")}</option>
            <option value="organisation">{t("updates.field.need.organisation")}</option>
            {needs.length > 0 ? (
              <optgroup label={t("updates.field.need.needs")}>
                {needs.map((need) => (
                  <option key={need.id} value={String(need.id)}>
                    {t("updates.field.need.option", { title: need.title, status: t(`need.status.${need.status}` as "need.status.live") })}
                  </option>
                ))}
              </optgroup>
            ) : null}
          </select>
        </div>
      )}
      <TextField
        id="title"
        label={t("updates.field.title")}
        hint={t("updates.field.title.hint")}
        required
        maxLength={140}
        defaultValue={value("title")}
        error={errors?.title}
      />
      <div className={errors?.eventDate ? "field field-has-error" : "field"}>
        <label htmlFor="eventDate">{t("updates.field.eventDate")}</label>
        <p id="eventDate-hint" className="hint">
          {t("updates.field.eventDate.hint")}
        </p>
        <FieldErrorText id="eventDate" error={errors?.eventDate} />
        <input
          id="eventDate"
          name="eventDate"
          type="date"
          required
          min="2000-01-01"
          max={latestDate}
          defaultValue={value("eventDate")}
          aria-invalid={errors?.eventDate ? true : undefined}
          aria-describedby={describedBy("eventDate-hint", errors?.eventDate && "eventDate-error")}
        />
      </div>
      <TextField
        id="body"
        label={t("updates.field.body")}
        hint={t("updates.field.body.hint")}
        required
        multiline
        rows={12}
        maxLength={20000}
        defaultValue={value("body")}
        error={errors?.body}
      />
      {fixed ? null : (
        <div className={errors?.lifecycleStep ? "field field-has-error" : "field"}>
          <label htmlFor="lifecycleStep">
            {t("updates.field.lifecycleStep")}
            <span className="optional"> ({t("needs.form.optional")})</span>
          </label>
          <p id="lifecycleStep-hint" className="hint">
            {t("updates.field.lifecycleStep.hint")}
          </p>
          <FieldErrorText id="lifecycleStep" error={errors?.lifecycleStep} />
          <select
            id="lifecycleStep"
            name="lifecycleStep"
            defaultValue={value("lifecycleStep")}
            aria-invalid={errors?.lifecycleStep ? true : undefined}
            aria-describedby={describedBy("lifecycleStep-hint", errors?.lifecycleStep && "lifecycleStep-error")}
          >
            <option value="">{t("updates.field.lifecycleStep.none")}</option>
            {stepOptions.map((step) => (
              <option key={step} value={step}>
                {t(`updates.step.${step}`)}
              </option>
            ))}
          </select>
        </div>
      )}
      {fixed && !fixed.spendNote ? null : (
        <TextField
          id="spendNote"
          label={t("updates.field.spendNote")}
          hint={t("updates.field.spendNote.hint")}
          multiline
          rows={3}
          maxLength={500}
          defaultValue={value("spendNote")}
          error={errors?.spendNote}
        />
      )}
    </>
  );
}

/** The confirmation publishing needs (and saving a published update, whose text is public at once). */
export function ConsentField({ checked, error, required }: { checked: boolean; error?: FieldErrors[string]; required: boolean }) {
  const t = useT();
  return (
    <div className={error ? "checkbox consent field-has-error" : "checkbox consent"}>
      <input
        type="checkbox"
        id="consent"
        name="consent"
        value="yes"
        defaultChecked={checked}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy("consent-hint", error && "consent-error")}
      />
      <div>
        <label htmlFor="consent">{t("updates.field.consent")}</label>
        <p id="consent-hint" className="hint">
          {t(required ? "updates.field.consent.hintRequired" : "updates.field.consent.hint")}
        </p>
        <FieldErrorText id="consent" error={error} />
      </div>
    </div>
  );
}
