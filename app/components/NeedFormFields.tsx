import { useEffect, useRef, type ReactNode } from "react";
import type { MessageKey } from "~/locales";
import { CURRENCIES, CURRENCY_CODES, isCurrency, toDecimalString } from "~/money";
import { useT } from "./i18n";

/**
 * Form pieces of the need and item forms. They work without JavaScript: each error is
 * written next to its field (aria-invalid, aria-describedby) and listed in a summary that
 * links to the field; with JavaScript the summary also takes focus, so it is announced.
 */

export interface FieldError {
  key: MessageKey;
  vars?: Record<string, string | number>;
}
export type FieldErrors = Record<string, FieldError>;
export type Values = Record<string, string | null | undefined>;

/** A field's error, written next to it and announced through its aria-describedby id `<id>-error`. */
export function FieldErrorText({ id, error }: { id: string; error?: FieldError }) {
  const t = useT();
  if (!error) return null;
  return (
    <p id={`${id}-error`} className="field-error">
      <span className="visually-hidden">{t("needs.form.errorPrefix")} </span>
      {t(error.key, error.vars)}
    </p>
  );
}

export function ErrorSummary({
  errors,
  labels,
  formError,
}: {
  errors?: FieldErrors;
  /** Field ids in page order, with the label each link shows before its message. */
  labels: readonly (readonly [string, string])[];
  formError?: FieldError | null;
}) {
  const t = useT();
  const ref = useRef<HTMLDivElement>(null);
  const listed = labels.filter(([id]) => errors?.[id]);
  const hasErrors = listed.length > 0 || Boolean(formError);
  useEffect(() => {
    if (hasErrors) ref.current?.focus();
  }, [hasErrors, errors, formError]);
  if (!hasErrors) return null;
  return (
    <div className="error-summary" role="alert" aria-labelledby="error-summary-title" tabIndex={-1} ref={ref}>
      <h2 id="error-summary-title">{t("needs.form.errorSummary")}</h2>
      <ul>
        {formError ? <li>{t(formError.key, formError.vars)}</li> : null}
        {listed.map(([id, label]) => (
          <li key={id}>
            <a href={`#${id}`}>
              {label}: {t(errors![id]!.key, errors![id]!.vars)}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

interface FieldProps {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: FieldError;
  defaultValue?: string | null;
  required?: boolean;
  multiline?: boolean;
  rows?: number;
  maxLength?: number;
  type?: "text" | "date";
  inputMode?: "text" | "numeric" | "decimal";
  autoComplete?: string;
  spellCheck?: boolean;
  className?: string;
}

export function TextField({ id, label, hint, error, defaultValue, required, multiline, rows = 6, className, ...input }: FieldProps) {
  const t = useT();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const common = {
    id,
    name: id,
    defaultValue: defaultValue ?? "",
    "aria-invalid": error ? true : undefined,
    "aria-describedby": [hintId, errorId].filter(Boolean).join(" ") || undefined,
  } as const;
  return (
    <div className={[error ? "field field-has-error" : "field", className].filter(Boolean).join(" ")}>
      <label htmlFor={id}>
        {label}
        {required ? null : <span className="optional"> ({t("needs.form.optional")})</span>}
      </label>
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
      <FieldErrorText id={id} error={error} />
      {multiline ? (
        <textarea {...common} rows={rows} maxLength={input.maxLength} />
      ) : (
        <input {...common} type={input.type ?? "text"} autoComplete={input.autoComplete ?? "off"} {...input} />
      )}
    </div>
  );
}

/** The field ids of an item's form under a prefix, with their labels (for the error summary). */
export function itemLabels(prefix: string, t: ReturnType<typeof useT>, currency: string | null): [string, string][] {
  return [
    [`${prefix}name`, t("needs.field.itemName")],
    [`${prefix}quantity`, t("needs.field.quantity")],
    [`${prefix}unitCost`, currency ? t("needs.field.unitCost", { currency }) : t("needs.field.unitCostAny")],
    [`${prefix}description`, t("needs.field.itemDescription")],
  ];
}

/** Name, quantity, unit cost (typed as a donor reads it) and an optional description. */
export function ItemFields({
  prefix,
  currency,
  values,
  errors,
}: {
  prefix: string;
  /** The need's currency; null on the new-need form, where it is chosen in the same form. */
  currency: string | null;
  values?: Values;
  errors?: FieldErrors;
}) {
  const t = useT();
  const example = currency && isCurrency(currency) && CURRENCIES[currency].exponent > 0 ? "12.50" : "78,000";
  const value = (name: string) => values?.[`${prefix}${name}`] ?? "";
  return (
    <div className="item-fields">
      <TextField id={`${prefix}name`} label={t("needs.field.itemName")} required maxLength={120} defaultValue={value("name")} error={errors?.[`${prefix}name`]} className="item-name-field" />
      <TextField
        id={`${prefix}quantity`}
        label={t("needs.field.quantity")}
        required
        inputMode="numeric"
        maxLength={12}
        defaultValue={value("quantity")}
        error={errors?.[`${prefix}quantity`]}
        className="item-quantity-field"
      />
      <TextField
        id={`${prefix}unitCost`}
        label={currency ? t("needs.field.unitCost", { currency }) : t("needs.field.unitCostAny")}
        hint={currency ? t("needs.field.unitCost.hint", { example }) : t("needs.field.unitCostAny.hint")}
        required
        inputMode={currency && example.includes(".") ? "decimal" : currency ? "numeric" : "text"}
        maxLength={30}
        defaultValue={value("unitCost")}
        error={errors?.[`${prefix}unitCost`]}
        className="item-cost-field"
      />
      <TextField
        id={`${prefix}description`}
        label={t("needs.field.itemDescription")}
        maxLength={1000}
        defaultValue={value("description")}
        error={errors?.[`${prefix}description`]}
        className="item-description-field"
      />
    </div>
  );
}

export function detailLabels(t: ReturnType<typeof useT>, identity: boolean): [string, string][] {
  const all: [string, string][] = [
    ["title", t("needs.field.title")],
    ["slug", t("needs.field.slug")],
    ["summary", t("needs.field.summary")],
    ["currency", t("needs.field.currency")],
    ["deadline", t("needs.field.deadline")],
    ["surplusPolicy", t("needs.field.surplusPolicy")],
    ["story", t("needs.field.story")],
  ];
  return identity ? all : all.filter(([id]) => id !== "slug" && id !== "currency");
}

/** Title, web address, summary, currency, deadline, surplus policy and story. */
export function DetailsFields({ values, errors, identity = true }: { values?: Values; errors?: FieldErrors; identity?: boolean }) {
  const t = useT();
  const value = (name: string) => values?.[name] ?? "";
  const currencyError = errors?.currency;
  return (
    <>
      <TextField id="title" label={t("needs.field.title")} hint={t("needs.field.title.hint")} required maxLength={120} defaultValue={value("title")} error={errors?.title} />
      {identity ? (
        <TextField
          id="slug"
          label={t("needs.field.slug")}
          hint={t("needs.field.slug.hint")}
          maxLength={80}
          spellCheck={false}
          defaultValue={value("slug")}
          error={errors?.slug}
        />
      ) : null}
      <TextField
        id="summary"
        label={t("needs.field.summary")}
        hint={t("needs.field.summary.hint")}
        required
        multiline
        rows={3}
        maxLength={280}
        defaultValue={value("summary")}
        error={errors?.summary}
      />
      {identity ? (
        <div className={currencyError ? "field field-has-error" : "field"}>
          <label htmlFor="currency">{t("needs.field.currency")}</label>
          <p id="currency-hint" className="hint">
            {t("needs.field.currency.hint")}
          </p>
          {currencyError ? (
            <p id="currency-error" className="field-error">
              <span className="visually-hidden">{t("needs.form.errorPrefix")} </span>
              {t(currencyError.key)}
            </p>
          ) : null}
          <select
            id="currency"
            name="currency"
            defaultValue={value("currency") || "JPY"}
            aria-invalid={currencyError ? true : undefined}
            aria-describedby={currencyError ? "currency-hint currency-error" : "currency-hint"}
          >
            {CURRENCY_CODES.map((code) => (
              <option key={code} value={code}>
                {code}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <TextField id="deadline" label={t("needs.field.deadline")} hint={t("needs.field.deadline.hint")} type="date" defaultValue={value("deadline")} error={errors?.deadline} />
      <TextField
        id="surplusPolicy"
        label={t("needs.field.surplusPolicy")}
        hint={t("needs.field.surplusPolicy.hint")}
        required
        multiline
        rows={3}
        maxLength={1000}
        defaultValue={value("surplusPolicy")}
        error={errors?.surplusPolicy}
      />
      <TextField id="story" label={t("needs.field.story")} hint={t("needs.field.story.hint")} multiline rows={10} maxLength={20000} defaultValue={value("story")} error={errors?.story} />
    </>
  );
}

/**
 * A saved amount as the organiser would type it again ("78,000", "12.50"). Always with
 * English separators, because that is what parseAmount reads back.
 */
export function amountInputValue(minor: number, currency: string): string {
  if (!isCurrency(currency)) return String(minor);
  const { exponent } = CURRENCIES[currency];
  const format = new Intl.NumberFormat("en", { minimumFractionDigits: exponent, maximumFractionDigits: exponent });
  // A decimal string keeps Intl exact (as formatMoney does): no float touches the amount.
  return format.format(toDecimalString(minor, currency) as unknown as number);
}
