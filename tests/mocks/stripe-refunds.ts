import { createHash, randomBytes } from "node:crypto";
import { http, HttpResponse, type HttpHandler } from "msw";

/**
 * Stripe's refund and listing endpoints, emulated for msw: POST /v1/refunds, GET /v1/events and
 * GET /v1/checkout/sessions, shaped after Stripe's API fixtures (refund, event,
 * checkout.session) and its list envelope ({ object: "list", data, has_more, url }).
 *
 * Idempotency as Stripe documents it (https://docs.stripe.com/api/idempotent_requests): a
 * repeated Idempotency-Key with the same parameters replays the first response and creates
 * nothing; with different parameters it is a 400 idempotency_error. Keys are scoped to the
 * connected account, as Stripe scopes them.
 *
 * Lists honour Stripe-Account (each account has its own events and sessions), created[gte],
 * types[] and cursor pagination (limit, starting_after), newest first. Every request is
 * recorded with its Stripe-Account and Idempotency-Key headers and decoded parameters.
 */

export interface StripeRequest {
  method: "GET" | "POST";
  path: string;
  stripeAccount: string | null;
  idempotencyKey: string | null;
  /** Form body (POST) or query string (GET), flat: `created[gte]` → "1764000000". */
  params: Record<string, string>;
  status: number;
  replayed: boolean;
}

export interface MockRefund {
  id: string;
  amount: number;
  currency: string;
  payment_intent: string;
  status: string;
  metadata: Record<string, string>;
  stripeAccount: string | null;
}

type Obj = Record<string, unknown> & { id: string; created: number };

export interface StripeRefundsMock {
  handlers: HttpHandler[];
  requests: StripeRequest[];
  /** Refunds created (replays excluded). */
  refunds: MockRefund[];
  /** Events GET /v1/events lists for this account (null: the platform). */
  addEvents(account: string | null, ...events: Obj[]): void;
  /** Checkout Sessions GET /v1/checkout/sessions lists for this account. */
  addSessions(account: string | null, ...sessions: Obj[]): void;
  /** The next n refund requests fail with this Stripe error. */
  failRefunds(n: number, error?: { status: number; code: string; message: string }): void;
  calls(endpoint: string): StripeRequest[];
}

const SECRET_KEY = /^Bearer sk_(test|live)_[A-Za-z0-9_]+$/;
const PAGE_MAX = 100;

interface Reply {
  status: number;
  body: unknown;
}

const stripeError = (status: number, type: string, message: string, extra: Record<string, string> = {}): Reply => ({
  status,
  body: { error: { type, message, ...extra } },
});

export function createStripeRefundsMock(baseUrl = "https://api.stripe.com"): StripeRefundsMock {
  const requests: StripeRequest[] = [];
  const refunds: MockRefund[] = [];
  const events = new Map<string | null, Obj[]>();
  const sessions = new Map<string | null, Obj[]>();
  const refundFailures: Array<{ status: number; code: string; message: string }> = [];
  const remembered = new Map<string, { body: string; reply: Reply }>();

  const record = (request: Request, method: "GET" | "POST", params: Record<string, string>, reply: Reply, replayed = false) => {
    requests.push({
      method,
      path: new URL(request.url).pathname,
      stripeAccount: request.headers.get("stripe-account"),
      idempotencyKey: request.headers.get("idempotency-key"),
      params,
      status: reply.status,
      replayed,
    });
    const headers: Record<string, string> = { "request-id": `req_${randomBytes(7).toString("hex")}` };
    if (replayed) headers["idempotent-replayed"] = "true";
    return HttpResponse.json(reply.body as Record<string, unknown>, { status: reply.status, headers });
  };

  /** A page of `all` as Stripe lists it: newest first, filtered, from after the cursor. */
  const list = (url: string, all: Obj[], params: Record<string, string>, filter: (o: Obj) => boolean): Reply => {
    const gte = params["created[gte]"] !== undefined ? Number(params["created[gte]"]) : -Infinity;
    const limit = Math.min(Number(params.limit ?? 10), PAGE_MAX);
    const sorted = all.filter((o) => o.created >= gte && filter(o)).sort((a, b) => b.created - a.created || b.id.localeCompare(a.id));
    let start = 0;
    if (params.starting_after) {
      const index = sorted.findIndex((o) => o.id === params.starting_after);
      if (index < 0) return stripeError(400, "invalid_request_error", `No such object: '${params.starting_after}'`, { param: "starting_after" });
      start = index + 1;
    }
    const data = sorted.slice(start, start + limit);
    return { status: 200, body: { object: "list", data, has_more: start + limit < sorted.length, url } };
  };

  const authorised = (request: Request) => SECRET_KEY.test(request.headers.get("authorization") ?? "");

  const handlers: HttpHandler[] = [
    http.post(`${baseUrl}/v1/refunds`, async ({ request }) => {
      const raw = await request.text();
      const params = Object.fromEntries(new URLSearchParams(raw));
      if (!authorised(request)) return record(request, "POST", params, stripeError(401, "invalid_request_error", "Invalid API Key provided."));
      const account = request.headers.get("stripe-account");
      const key = request.headers.get("idempotency-key");
      const memoryKey = key ? `${account ?? ""}\n${key}` : null;
      if (memoryKey) {
        const earlier = remembered.get(memoryKey);
        if (earlier) {
          if (earlier.body !== raw) {
            return record(
              request,
              "POST",
              params,
              stripeError(400, "idempotency_error", "Keys for idempotent requests can only be used with the same parameters they were first used with."),
            );
          }
          return record(request, "POST", params, earlier.reply, true);
        }
      }
      const failure = refundFailures.shift();
      let reply: Reply;
      if (failure) {
        reply = stripeError(failure.status, "invalid_request_error", failure.message, { code: failure.code });
      } else if (!params.payment_intent && !params.charge) {
        reply = stripeError(400, "invalid_request_error", "One of the following params should be provided for this request: payment_intent or charge.");
      } else {
        const metadata: Record<string, string> = {};
        for (const [k, v] of Object.entries(params)) {
          const m = /^metadata\[(.+)\]$/.exec(k);
          if (m) metadata[m[1]!] = v;
        }
        const refund: MockRefund = {
          id: `re_mock${randomBytes(8).toString("hex")}`,
          amount: Number(params.amount),
          currency: "jpy",
          payment_intent: params.payment_intent!,
          status: "pending",
          metadata,
          stripeAccount: account,
        };
        refunds.push(refund);
        reply = {
          status: 200,
          body: {
            id: refund.id,
            object: "refund",
            amount: refund.amount,
            balance_transaction: null,
            charge: `ch_mock${createHash("sha256").update(refund.payment_intent).digest("hex").slice(0, 16)}`,
            created: Math.floor(Date.now() / 1000),
            currency: refund.currency,
            metadata,
            payment_intent: refund.payment_intent,
            reason: null,
            status: refund.status,
          },
        };
      }
      // Stripe stores the answer once the request began executing, errors included.
      if (memoryKey && reply.status < 500) remembered.set(memoryKey, { body: raw, reply });
      return record(request, "POST", params, reply);
    }),
    http.get(`${baseUrl}/v1/events`, ({ request }) => {
      const params = Object.fromEntries(new URL(request.url).searchParams);
      if (!authorised(request)) return record(request, "GET", params, stripeError(401, "invalid_request_error", "Invalid API Key provided."));
      const types = Object.entries(params)
        .filter(([k]) => /^types\[\d*\]$/.test(k))
        .map(([, v]) => v);
      if (types.length > 20) return record(request, "GET", params, stripeError(400, "invalid_request_error", "types may have at most 20 entries", { param: "types" }));
      const all = events.get(request.headers.get("stripe-account")) ?? [];
      return record(request, "GET", params, list("/v1/events", all, params, (e) => types.length === 0 || types.includes(String(e.type))));
    }),
    http.get(`${baseUrl}/v1/checkout/sessions`, ({ request }) => {
      const params = Object.fromEntries(new URL(request.url).searchParams);
      if (!authorised(request)) return record(request, "GET", params, stripeError(401, "invalid_request_error", "Invalid API Key provided."));
      const all = sessions.get(request.headers.get("stripe-account")) ?? [];
      return record(request, "GET", params, list("/v1/checkout/sessions", all, params, () => true));
    }),
  ];

  return {
    handlers,
    requests,
    refunds,
    addEvents(account, ...added) {
      events.set(account, [...(events.get(account) ?? []), ...added]);
    },
    addSessions(account, ...added) {
      sessions.set(account, [...(sessions.get(account) ?? []), ...added]);
    },
    failRefunds(n, error = { status: 400, code: "charge_already_refunded", message: "Charge has already been refunded." }) {
      for (let i = 0; i < n; i++) refundFailures.push(error);
    },
    calls(endpoint) {
      return requests.filter((r) => `${r.method} ${r.path}` === endpoint);
    },
  };
}
