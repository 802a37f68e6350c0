import { useState, type ReactNode } from "react";
import { applicationFee, feeCover, PROCESSING_FEES } from "~/fees";
import type { Locale } from "~/locales";
import { CURRENCIES, formatMoney, isCurrency, parseAmount, toDecimalString, type Currency } from "~/money";
import { useLocale, useT } from "./i18n";
import { ErrorSummary, FieldErrorText, type FieldError, type FieldErrors } from "./NeedFormFields";

/**
 * The donate form on a need page. A plain POST form: without JavaScript every choice works
 * and the server computes everything; with JavaScript the fee-cover label follows the amount
 * as it is chosen or typed (the same pure functions the server uses, so the numbers agree).
 */

export interface DonateFormData {
  needSlug: string;
  currency: string;
  /** A fresh one-time token per render (a double submit of this form is one donation). */
  token: string;
  items: { id: number; name: string; remaining: number }[];
  platformFeeBps: number;
  organisationName: string;
  surplusPolicy: string;
  /** The donor came back from Checkout without paying. */
  cancelled: boolean;
}

export interface DonateFormResult {
  errors: FieldErrors;
  values: Record<string, string>;
  formError?: FieldError;
}

const CUSTOM = "custom";

/** The exact fee cover for what is chosen or typed, or null while it cannot be known. */
function coverFor(choice: string, custom: string, currency: Currency, platformFeeBps: number): number | null {
  const typed = choice === CUSTOM || choice === "" ? custom : choice;
  const parsed = parseAmount(typed, currency);
  if (!parsed.ok || parsed.minor < CURRENCIES[currency].stripeMinimum) return null;
  const cover = feeCover(parsed.minor, currency, { applicationFee: applicationFee(parsed.minor, platformFeeBps) });
  return parsed.minor + cover <= CURRENCIES[currency].maximum ? cover : null;
}

const percents = new Map<string, Intl.NumberFormat>();
function rateText(currency: Currency, locale: Locale): string {
  const { bps, fixed } = PROCESSING_FEES[currency];
  // A rate, not money: shown as a percentage only.
  let f = percents.get(locale);
  if (!f) percents.set(locale, (f = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 2 })));
  const percent = f.format(bps / 10_000);
  return fixed > 0 ? `${percent} + ${formatMoney(fixed, currency, locale)}` : percent;
}


function describedBy(...ids: (string | false | undefined)[]): string | undefined {
  return ids.filter(Boolean).join(" ") || undefined;
}

function Radio({ name, value, id, checked, defaultChecked, onChange, children }: {
  name: string;
  value: string;
  id: string;
  checked?: boolean;
  defaultChecked?: boolean;
  onChange?: () => void;
  children: ReactNode;
}) {
  return (
    <div className="radio">
      <input type="radio" name={name} id={id} value={value} checked={checked} defaultChecked={defaultChecked} onChange={onChange} />
      <label htmlFor={id}>{children}</label>
    </div>
  );
}

export function DonateForm({ data, result }: { data: DonateFormData; result?: DonateFormResult }) {
  const t = useT();
  const locale = useLocale();
  const currency: Currency = isCurrency(data.currency) ? data.currency : "JPY";
  const { presets, stripeMinimum, exponent } = CURRENCIES[currency];
  const values = result?.values ?? {};
  const errors = result?.errors ?? {};
  const [choice, setChoice] = useState(values.amount ?? "");
  const [custom, setCustom] = useState(values.customAmount ?? "");
  const cover = coverFor(choice, custom, currency, data.platformFeeBps);
  const money = (minor: number) => formatMoney(minor, currency, locale);

  const labels: [string, string][] = [
    ["amount", t("donate.amount.legend")],
    ["customAmount", t("donate.amount.customLabel", { currency })],
    ["item", t("donate.item.legend")],
    ["donorName", t("donate.name.label")],
    ["display", t("donate.display.legend")],
    ["message", t("donate.message.label")],
    ["email", t("donate.email.label")],
    ["updates", t("donate.updates.label")],
    ["coverFee", t("donate.fee.label")],
  ];
  const display = values.display === "public" ? "public" : "anonymous";
  const item = values.item ?? "";

  return (
    <div className="donate-form">
      {data.cancelled && !result ? <p className="notice">{t("donate.cancelled")}</p> : null}
      <p>{t("donate.intro", { organisation: data.organisationName })}</p>
      <ErrorSummary errors={errors} labels={labels} formError={result?.formError} />
      {/* A native form post (no client-side routing): Checkout is another site, and the
          fragment brings the donor back to this form when the server asks for corrections. */}
      <form method="post" action={`/needs/${data.needSlug}#donate`} noValidate>
        <input type="hidden" name="token" value={data.token} />

        <fieldset id="amount" className={errors.amount ? "radio-group field-has-error" : "radio-group"} aria-describedby={describedBy("amount-hint", errors.amount && "amount-error")}>
          <legend>{t("donate.amount.legend")}</legend>
          <p id="amount-hint" className="hint">
            {t("donate.amount.hint", { min: money(stripeMinimum) })}
          </p>
          <FieldErrorText id="amount" error={errors.amount} />
          <div className="amount-presets">
            {presets.map((preset) => {
              const value = toDecimalString(preset, currency);
              return (
                <Radio
                  key={preset}
                  name="amount"
                  id={`amount-${preset}`}
                  value={value}
                  checked={choice === value}
                  onChange={() => {
                    setChoice(value);
                    setCustom("");
                  }}
                >
                  {money(preset)}
                </Radio>
              );
            })}
            <Radio name="amount" id="amount-custom" value={CUSTOM} checked={choice === CUSTOM} onChange={() => setChoice(CUSTOM)}>
              {t("donate.amount.custom")}
            </Radio>
          </div>
          <div className={errors.customAmount ? "field field-has-error custom-amount" : "field custom-amount"}>
            <label htmlFor="customAmount">{t("donate.amount.customLabel", { currency })}</label>
            <p id="customAmount-hint" className="hint">
              {t("donate.amount.customHint", { example: money(CURRENCIES[currency].presets[1] ?? stripeMinimum) })}
            </p>
            <FieldErrorText id="customAmount" error={errors.customAmount} />
            <input
              id="customAmount"
              name="customAmount"
              type="text"
              inputMode={exponent === 0 ? "numeric" : "decimal"}
              autoComplete="off"
              value={custom}
              aria-invalid={errors.customAmount ? true : undefined}
              aria-describedby={describedBy("customAmount-hint", errors.customAmount && "customAmount-error")}
              onChange={(event) => {
                setCustom(event.target.value);
                if (event.target.value.trim() !== "") setChoice(CUSTOM);
              }}
            />
          </div>
          {data.surplusPolicy ? <p className="surplus-note">{t("donate.surplus", { policy: data.surplusPolicy })}</p> : null}
        </fieldset>

        {data.items.length > 0 ? (
          <fieldset id="item" className={errors.item ? "radio-group field-has-error" : "radio-group"} aria-describedby={errors.item ? "item-error" : undefined}>
            <legend>{t("donate.item.legend")}</legend>
            <FieldErrorText id="item" error={errors.item} />
            <Radio name="item" id="item-general" value="" defaultChecked={item === "" || item === "general"}>
              {t("donate.item.general")}
            </Radio>
            {data.items.map((option) => (
              <Radio key={option.id} name="item" id={`item-${option.id}`} value={String(option.id)} defaultChecked={item === String(option.id)}>
                {t("donate.item.option", { name: option.name, remaining: money(option.remaining) })}
              </Radio>
            ))}
          </fieldset>
        ) : null}

        <div className={errors.donorName ? "field field-has-error" : "field"}>
          <label htmlFor="donorName">
            {t("donate.name.label")}
            <span className="optional"> ({t("needs.form.optional")})</span>
          </label>
          <p id="donorName-hint" className="hint">
            {t("donate.name.hint")}
          </p>
          <FieldErrorText id="donorName" error={errors.donorName} />
          <input
            id="donorName"
            name="donorName"
            type="text"
            autoComplete="name"
            maxLength={100}
            defaultValue={values.donorName ?? ""}
            aria-invalid={errors.donorName ? true : undefined}
            aria-describedby={describedBy("donorName-hint", errors.donorName && "donorName-error")}
          />
        </div>

        <fieldset id="display" className={errors.display ? "radio-group field-has-error" : "radio-group"} aria-describedby={errors.display ? "display-error" : undefined}>
          <legend>{t("donate.display.legend")}</legend>
          <FieldErrorText id="display" error={errors.display} />
          <Radio name="display" id="display-public" value="public" defaultChecked={display === "public"}>
            {t("donate.display.public")}
          </Radio>
          <Radio name="display" id="display-anonymous" value="anonymous" defaultChecked={display === "anonymous"}>
            {t("donate.display.anonymous")}
          </Radio>
        </fieldset>

        <div className={errors.message ? "field field-has-error" : "field"}>
          <label htmlFor="message">
            {t("donate.message.label")}
            <span className="optional"> ({t("needs.form.optional")})</span>
          </label>
          <p id="message-hint" className="hint">
            {t("donate.message.hint")}
          </p>
          <FieldErrorText id="message" error={errors.message} />
          <textarea
            id="message"
            name="message"
            rows={4}
            maxLength={500}
            defaultValue={values.message ?? ""}
            aria-invalid={errors.message ? true : undefined}
            aria-describedby={describedBy("message-hint", errors.message && "message-error")}
          />
        </div>

        <div className={errors.email ? "field field-has-error" : "field"}>
          <label htmlFor="email">{t("donate.email.label")}</label>
          <p id="email-hint" className="hint">
            {t("donate.email.hint")}
          </p>
          <FieldErrorText id="email" error={errors.email} />
          <input
            id="email"
            name="email"
            type="email"
            inputMode="email"
            autoComplete="email"
            spellCheck={false}
            required
            maxLength={254}
            defaultValue={values.email ?? ""}
            aria-invalid={errors.email ? true : undefined}
            aria-describedby={describedBy("email-hint", errors.email && "email-error")}
          />
        </div>

        <div className="checkbox">
          <input type="checkbox" id="updates" name="updates" value="1" defaultChecked={Boolean(values.updates)} />
          <label htmlFor="updates">{t("donate.updates.label")}</label>
        </div>

        <div className={errors.coverFee ? "checkbox field-has-error" : "checkbox"}>
          <input
            type="checkbox"
            id="coverFee"
            name="coverFee"
            value="1"
            defaultChecked={Boolean(values.coverFee)}
            aria-invalid={errors.coverFee ? true : undefined}
            aria-describedby={describedBy("coverFee-hint", errors.coverFee && "coverFee-error")}
          />
          <div>
            <label htmlFor="coverFee">{cover === null ? t("donate.fee.label") : t("donate.fee.labelAmount", { amount: money(cover) })}</label>
            <p id="coverFee-hint" className="hint">
              {t("donate.fee.hint", { rate: rateText(currency, locale), organisation: data.organisationName })}
            </p>
            <FieldErrorText id="coverFee" error={errors.coverFee} />
          </div>
        </div>

        {/* The honeypot: hidden from sight, from assistive technology and from the tab order. */}
        <div className="donate-hp" aria-hidden="true">
          <label htmlFor="website">{t("donate.honeypot")}</label>
          <input type="text" id="website" name="website" tabIndex={-1} autoComplete="off" defaultValue="" />
        </div>

        <div className="form-actions">
          <button type="submit" className="primary-button">
            {t("donate.submit")}
          </button>
        </div>
      </form>
    </div>
  );
}
