import { useEffect, useRef, type ReactNode } from "react";
import type { MessageKey } from "~/locales";
import { useT } from "./i18n";

/**
 * Accessible form pieces that work without JavaScript: every error is written next to its
 * field (aria-describedby, aria-invalid) and listed in a summary at the top that links to
 * the field. With JavaScript, the summary also takes focus so screen readers announce it.
 */

export type FieldErrors = Partial<Record<string, MessageKey>>;

export function ErrorSummary({
  errors,
  order,
  formError,
  vars,
}: {
  errors?: FieldErrors;
  /** Fields in page order, so the summary reads in the same order as the form. */
  order: readonly string[];
  formError?: MessageKey;
  vars?: Record<string, string | number>;
}) {
  const t = useT();
  const ref = useRef<HTMLDivElement>(null);
  const fieldErrors = order.filter((name) => errors?.[name]);
  const hasErrors = fieldErrors.length > 0 || Boolean(formError);
  useEffect(() => {
    if (hasErrors) ref.current?.focus();
  }, [hasErrors, errors, formError]);
  if (!hasErrors) return null;
  return (
    <div className="error-summary" role="alert" aria-labelledby="error-summary-title" tabIndex={-1} ref={ref}>
      <h2 id="error-summary-title">{t("form.errorSummary")}</h2>
      <ul>
        {formError ? <li>{t(formError, vars)}</li> : null}
        {fieldErrors.map((name) => (
          <li key={name}>
            <a href={`#${name}`}>{t(errors![name]!)}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

interface FieldProps {
  name: string;
  label: string;
  error?: MessageKey;
  hint?: ReactNode;
  defaultValue?: string;
  required?: boolean;
  type?: "text" | "email" | "password" | "url";
  autoComplete?: string;
  multiline?: boolean;
  rows?: number;
  maxLength?: number;
  inputMode?: "text" | "email" | "url";
  spellCheck?: boolean;
}

export function Field({ name, label, error, hint, defaultValue, required, multiline, rows = 6, ...input }: FieldProps) {
  const t = useT();
  const hintId = hint ? `${name}-hint` : undefined;
  const errorId = error ? `${name}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  const common = {
    id: name,
    name,
    defaultValue,
    required,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": describedBy,
  } as const;
  return (
    <div className={error ? "field field-has-error" : "field"}>
      <label htmlFor={name}>
        {label}
        {required ? null : <span className="optional"> ({t("form.optional")})</span>}
      </label>
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} className="field-error">
          <span className="visually-hidden">{t("form.errorPrefix")} </span>
          {t(error)}
        </p>
      ) : null}
      {multiline ? <textarea {...common} rows={rows} maxLength={input.maxLength} /> : <input {...common} type={input.type ?? "text"} {...input} />}
    </div>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <p className="notice" role="status">
      {children}
    </p>
  );
}

/** An email address field: the right keyboard on phones, no spellchecking of addresses. */
export function EmailField(props: Omit<FieldProps, "type" | "inputMode" | "spellCheck">) {
  return <Field type="email" inputMode="email" spellCheck={false} {...props} />;
}

/** The form's one primary action. */
export function SubmitButton({ children }: { children: ReactNode }) {
  return (
    <div className="form-actions">
      <button type="submit" className="primary-button">
        {children}
      </button>
    </div>
  );
}
