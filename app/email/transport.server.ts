import { Resend, type ErrorResponse } from "resend";
import type { Database } from "~/db.server";
import type { Env } from "~/env.server";
import { deliverToMailbox } from "~/models/mailbox.server";
import type { Locale } from "~/models/schema";

/**
 * How the worker hands email to the outside world. Two transports, one contract: the same
 * idempotency key is the same delivery (Resend dedupes on its Idempotency-Key header, the
 * local mailbox on its UNIQUE key), and failures come back as values, never as throws.
 */

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  locale: Locale;
}

export type SendOutcome =
  /** ids: the provider's message ids, in the order of the emails sent. */
  | { ok: true; ids: string[] }
  | {
      ok: false;
      /** HTTP status, or null for a network failure. */
      status: number | null;
      /** 429, 5xx, network: the same call may succeed later. */
      retryable: boolean;
      /** From a 429's retry-after header. */
      retryAfterSeconds?: number;
      message: string;
    };

export interface EmailTransport {
  readonly name: "resend" | "mailbox";
  send(email: OutgoingEmail, idempotencyKey: string): Promise<SendOutcome>;
  /** Up to 100 emails in one call (Resend's batch endpoint): all accepted or none. */
  sendBatch(emails: OutgoingEmail[], idempotencyKey: string): Promise<SendOutcome>;
}

/** Resend when RESEND_API_KEY is set, otherwise the local mailbox (refused in production). */
export function createTransport(env: Env, db: Database): EmailTransport {
  return env.RESEND_API_KEY ? createResendTransport(env) : createMailboxTransport(env, db);
}

// A hung connection must not hold a claimed row past its lease: give up well before.
const REQUEST_TIMEOUT_MS = 20_000;

export function createResendTransport(env: Pick<Env, "RESEND_API_KEY" | "RESEND_BASE_URL" | "EMAIL_LEASE_SECONDS">): EmailTransport {
  if (!env.RESEND_API_KEY) throw new Error("The Resend transport needs RESEND_API_KEY");
  // baseUrl: any Resend-compatible server; undefined keeps the SDK's default.
  const resend = new Resend(env.RESEND_API_KEY, { baseUrl: env.RESEND_BASE_URL });
  const timeout = () => AbortSignal.timeout(Math.min(REQUEST_TIMEOUT_MS, (env.EMAIL_LEASE_SECONDS * 1000) / 2));
  const payload = (email: OutgoingEmail) => ({
    from: email.from,
    to: email.to,
    subject: email.subject,
    html: email.html,
    text: email.text,
    headers: email.headers,
  });
  return {
    name: "resend",
    async send(email, idempotencyKey) {
      try {
        // NOTE: the SDK returns { data, error } rather than throwing; network failures too.
        const { data, error, headers } = await resend.emails.send(payload(email), { idempotencyKey, signal: timeout() });
        if (error) return failure(error, headers);
        return { ok: true, ids: [data.id] };
      } catch (error) {
        return thrown(error);
      }
    },
    async sendBatch(emails, idempotencyKey) {
      try {
        // Strict validation (the default): one invalid email refuses the whole call, so a
        // group is all sent or all not, and ids line up with our rows by position.
        const { data, error, headers } = await resend.batch.send(emails.map(payload), { idempotencyKey, signal: timeout() });
        if (error) return failure(error, headers);
        return { ok: true, ids: data.data.map((d) => d.id) };
      } catch (error) {
        return thrown(error);
      }
    },
  };
}

function failure(error: ErrorResponse, headers: Record<string, string> | null): SendOutcome {
  const status = error.statusCode ?? (error.name === "rate_limit_exceeded" ? 429 : null);
  // 409 concurrent_idempotent_requests: the same key is still in flight elsewhere (a worker
  // whose lease ran out); asking again later returns that request's result.
  const retryable = status === null || status === 429 || status >= 500 || error.name === "concurrent_idempotent_requests";
  const retryAfterSeconds = status === 429 ? parseRetryAfter(headers?.["retry-after"]) : undefined;
  return { ok: false, status, retryable, retryAfterSeconds, message: `${status ?? "network"} ${error.name}: ${error.message}` };
}

function thrown(error: unknown): SendOutcome {
  return { ok: false, status: null, retryable: true, message: `network error: ${error instanceof Error ? error.message : String(error)}` };
}

/** retry-after is delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/**
 * Development and tests without a Resend key: mail lands in mailbox_messages, viewable at
 * /dev/mail. Never in production, where it would swallow real mail.
 */
export function createMailboxTransport(env: Pick<Env, "isProduction">, db: Database): EmailTransport {
  if (env.isProduction) {
    throw new Error("RESEND_API_KEY is required in production: the local mailbox would swallow real email");
  }
  const deliver = (store: Database, email: OutgoingEmail, key: string) =>
    deliverToMailbox(store, {
      idempotencyKey: key,
      sender: email.from,
      recipient: email.to,
      subject: email.subject,
      html: email.html,
      text: email.text,
      headers: email.headers,
      locale: email.locale,
    });
  const failed = (error: unknown): SendOutcome => ({
    ok: false,
    status: null,
    retryable: true,
    message: `mailbox: ${error instanceof Error ? error.message : String(error)}`,
  });
  return {
    name: "mailbox",
    async send(email, idempotencyKey) {
      try {
        return { ok: true, ids: [await deliver(db, email, idempotencyKey)] };
      } catch (error) {
        return failed(error);
      }
    },
    async sendBatch(emails, idempotencyKey) {
      try {
        // One transaction: all of the group or none, like the batch endpoint. Each message's
        // key derives from the call's key and its position, which a replay keeps.
        const ids = await db.transaction().execute(async (trx) => {
          const out: string[] = [];
          for (const [index, email] of emails.entries()) out.push(await deliver(trx, email, `${idempotencyKey}#${index}`));
          return out;
        });
        return { ok: true, ids };
      } catch (error) {
        return failed(error);
      }
    },
  };
}
