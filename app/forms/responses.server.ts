import { data, type HeadersFunction } from "@remix-run/node";
import type { MessageKey } from "~/locales";
import type { FieldErrors } from "./parse.server";

/** What an action answers when a form cannot be accepted: errors for the page, what to show again. */
export interface FormFailure {
  errors: FieldErrors;
  values: Record<string, string>;
  formError?: MessageKey;
  formErrorVars?: Record<string, string | number>;
}

export function invalid(failure: Partial<FormFailure>, status = 400) {
  return data<FormFailure>({ errors: {}, values: {}, ...failure }, { status });
}

/** 429 with Retry-After and a localisable "wait N minutes". */
export function rateLimited(retryAfterSeconds: number, values: Record<string, string>) {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return data<FormFailure>(
    {
      errors: {},
      values,
      formError: minutes === 1 ? "error.rateLimited.one" : "error.rateLimited",
      formErrorVars: { minutes },
    },
    { status: 429, headers: { "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))) } },
  );
}

/**
 * The `headers` export of a route whose action may answer 429. NOTE: with Single Fetch, a
 * document response takes its headers from this function, not from data()'s headers alone
 * (https://remix.run/docs/en/main/guides/single-fetch#headers).
 */
export const retryAfterHeaders: HeadersFunction = ({ actionHeaders }) => {
  const retryAfter = actionHeaders.get("Retry-After");
  return retryAfter ? { "Retry-After": retryAfter } : new Headers();
};
