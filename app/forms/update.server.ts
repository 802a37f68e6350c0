import type { FieldError, FieldErrors } from "~/components/NeedFormFields";
import { translator, type Locale, type MessageKey } from "~/locales";
import type { UpdateContent, UpdateRuleCode } from "~/models/updates.server";
import type { LifecycleStep, NeedStatus } from "~/models/schema";
import { canTransition } from "~/need-lifecycle";

/**
 * Server-side validation of the update form. Errors are message keys (with values to fill
 * in), so the page shows each next to its field in the organiser's language. The model
 * checks need and step again inside its transaction: this is for clear messages, not safety.
 */

export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors };

/** Field names, in page order (the error summary lists them in this order). */
export const UPDATE_FIELDS = ["need", "title", "eventDate", "body", "lifecycleStep", "spendNote", "consent"] as const;
/** The value of the need field meaning "the whole organisation". */
export const WHOLE_ORGANISATION = "organisation";
export const LIFECYCLE_STEPS: readonly LifecycleStep[] = ["purchased", "delivered", "closed"];
/** Steps a spend note may go with: it says what the money bought. */
export const SPEND_NOTE_STEPS: readonly LifecycleStep[] = ["purchased", "delivered"];

export const TITLE_MAX = 140;
export const BODY_MAX = 20_000;
export const SPEND_NOTE_MAX = 500;
/** Nothing on Tomoni happened before this; an earlier date is a typo (20 for 2026). */
export const EARLIEST_EVENT_DATE = "2000-01-01";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Length as PostgreSQL's length() counts it (code points), so a title of emoji is not cut short. */
const characters = (text: string) => [...text].length;

function isRealDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** The day after `today` ('YYYY-MM-DD'): the latest event date accepted. */
export function latestEventDate(today: string): string {
  const date = new Date(`${today}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

export interface UpdateFormOptions {
  locale: Locale;
  /** 'YYYY-MM-DD' (UTC). One day beyond it is allowed: Japan's day starts nine hours before UTC's. */
  today: string;
  /** The needs the update may be about, with their current status. */
  needs: readonly { id: number; status: NeedStatus }[];
  /** Publishing (and saving a published update) needs the consent box ticked. */
  requireConsent: boolean;
  /** A published update keeps its need and step: the form does not offer them, these are used. */
  fixed?: { needId: number | null; lifecycleStep: LifecycleStep | null };
}

/**
 * The update form's fields to content for the model, or errors by field. Dates accept what a
 * date input sends ('YYYY-MM-DD'), refuse impossible days, days more than one day ahead, and
 * days before 2000. A lifecycle step needs a need whose status can move there now; a spend
 * note needs the purchased or delivered step.
 */
export function parseUpdateForm(fields: Record<string, string>, options: UpdateFormOptions): Parsed<UpdateContent> {
  const errors: FieldErrors = {};
  const fail = (field: string, key: MessageKey, vars?: Record<string, string | number>) => {
    errors[field] ??= vars ? { key, vars } : { key };
  };

  // Need: one of the offered needs, or the whole organisation.
  let needId: number | null = null;
  let needStatus: NeedStatus | null = null;
  if (options.fixed) {
    needId = options.fixed.needId;
  } else {
    const choice = (fields.need ?? "").trim();
    if (choice === "") fail("need", "updates.error.need");
    else if (choice !== WHOLE_ORGANISATION) {
      const need = /^\d{1,15}$/.test(choice) ? options.needs.find((n) => n.id === Number(choice)) : undefined;
      if (!need) fail("need", "updates.error.needUnknown");
      else {
        needId = need.id;
        needStatus = need.status;
      }
    }
  }

  const title = (fields.title ?? "").trim();
  if (title === "") fail("title", "updates.error.title");
  else if (characters(title) > TITLE_MAX) fail("title", "updates.error.tooLong", { max: TITLE_MAX });

  const body = (fields.body ?? "").trim();
  if (body === "") fail("body", "updates.error.body");
  else if (characters(body) > BODY_MAX) fail("body", "updates.error.tooLong", { max: BODY_MAX.toLocaleString(options.locale) });

  // Full-width digits (２０２６-０１-２５) are how some keyboards type a date into a text field.
  const eventDate = (fields.eventDate ?? "").normalize("NFKC").trim();
  if (eventDate === "") fail("eventDate", "updates.error.eventDate.empty");
  else if (!isRealDate(eventDate)) fail("eventDate", "updates.error.eventDate.invalid");
  else if (eventDate < EARLIEST_EVENT_DATE) fail("eventDate", "updates.error.eventDate.tooEarly");
  else if (eventDate > latestEventDate(options.today)) fail("eventDate", "updates.error.eventDate.future");

  let lifecycleStep: LifecycleStep | null = null;
  if (options.fixed) {
    lifecycleStep = options.fixed.lifecycleStep;
  } else {
    const step = (fields.lifecycleStep ?? "").trim();
    if (step !== "") {
      if (!(LIFECYCLE_STEPS as readonly string[]).includes(step)) fail("lifecycleStep", "updates.error.step");
      else {
        lifecycleStep = step as LifecycleStep;
        if (needId === null && !errors.need) fail("lifecycleStep", "updates.error.stepNeedsNeed");
        else if (needStatus && !canTransition(needStatus, lifecycleStep, "organiser")) {
          const t = translator(options.locale);
          fail("lifecycleStep", "updates.error.stepNotNow", { status: t(`need.status.${needStatus}`), step: t(`need.status.${lifecycleStep}`) });
        }
      }
    }
  }

  const spendNote = (fields.spendNote ?? "").trim();
  if (spendNote !== "") {
    if (!lifecycleStep || !SPEND_NOTE_STEPS.includes(lifecycleStep)) fail("spendNote", "updates.error.spendNoteStep");
    else if (characters(spendNote) > SPEND_NOTE_MAX) fail("spendNote", "updates.error.tooLong", { max: SPEND_NOTE_MAX });
  }

  const consentConfirmed = fields.consent === "yes";
  if (options.requireConsent && !consentConfirmed) fail("consent", "updates.error.consent");

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, data: { needId, title, body, eventDate, lifecycleStep, spendNote, consentConfirmed } };
}

/** The model's refusals as messages (shown above the form: nothing was written). */
export const UPDATE_RULE_MESSAGES: Record<UpdateRuleCode, MessageKey> = {
  not_found: "updates.rule.notFound",
  need_not_available: "updates.rule.needNotAvailable",
  illegal_step: "updates.rule.illegalStep",
  step_needs_need: "updates.error.stepNeedsNeed",
  consent_required: "updates.error.consent",
};

/** Which field a refusal belongs next to, when it has one. */
export const UPDATE_RULE_FIELDS: Partial<Record<UpdateRuleCode, (typeof UPDATE_FIELDS)[number]>> = {
  need_not_available: "need",
  illegal_step: "lifecycleStep",
  step_needs_need: "lifecycleStep",
  consent_required: "consent",
};

export function ruleError(code: UpdateRuleCode): { field: string | null; error: FieldError } {
  return { field: UPDATE_RULE_FIELDS[code] ?? null, error: { key: UPDATE_RULE_MESSAGES[code] } };
}

/** The form as plain strings (the update form has no files and no repeated names). */
export function formStrings(formData: FormData): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of formData) if (typeof value === "string" && !(key in fields)) fields[key] = value;
  return fields;
}

/** What to show again in the form after an error. */
export function keepUpdateValues(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(UPDATE_FIELDS.map((name) => [name, (fields[name] ?? "").slice(0, BODY_MAX + 1000)]));
}
