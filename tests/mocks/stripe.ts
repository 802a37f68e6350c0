import { randomBytes } from "node:crypto";
import { http, HttpResponse, type HttpHandler } from "msw";

/**
 * Stripe's Checkout Sessions endpoint, emulated for msw: POST /v1/checkout/sessions, answering
 * with a checkout.session shaped after Stripe's API fixtures.
 *
 * Idempotency as Stripe documents it (https://docs.stripe.com/api/idempotent_requests): a
 * repeated Idempotency-Key with the same parameters replays the first response and creates
 * nothing; the same key with other parameters is a 400 idempotency_error.
 *
 * Every request is recorded with its headers and its decoded body (the SDK posts
 * form-encoded parameters: `line_items[0][price_data][unit_amount]` → "500"), so tests assert
 * exactly what reached Stripe, and that nothing did.
 */

export interface StripeCheckoutRequest {
  idempotencyKey: string | null;
  /** The Stripe-Account header: the connected account a direct charge is made on. */
  stripeAccount: string | null;
  stripeVersion: string | null;
  params: Record<string, string>;
  status: number;
  replayed: boolean;
  /** The session id answered (null for a refused request). */
  sessionId: string | null;
}

export interface MockCheckoutSession {
  id: string;
  url: string;
  account: string | null;
  amount_total: number;
  currency: string;
  expires_at: number;
  params: Record<string, string>;
}

export interface StripeCheckoutMock {
  handlers: HttpHandler[];
  requests: StripeCheckoutRequest[];
  /** Sessions actually created (replays excluded). */
  sessions: MockCheckoutSession[];
  /** The next n requests fail with this HTTP status and a Stripe error body. */
  failNext(n: number, status?: number): void;
}

const SECRET_KEY = /^Bearer sk_(test|live)_[A-Za-z0-9_]+$/;

function stripeError(status: number, type: string, message: string) {
  return HttpResponse.json({ error: { type, message } }, { status });
}

function sessionJson(session: MockCheckoutSession) {
  const p = session.params;
  const metadata = Object.fromEntries(
    Object.entries(p)
      .filter(([key]) => /^metadata\[[^\]]+\]$/.test(key))
      .map(([key, value]) => [key.slice("metadata[".length, -1), value]),
  );
  return {
    id: session.id,
    object: "checkout.session",
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: session.amount_total,
    amount_total: session.amount_total,
    automatic_tax: { enabled: false, liability: null, status: null, provider: null },
    billing_address_collection: null,
    cancel_url: p.cancel_url ?? null,
    client_reference_id: p.client_reference_id ?? null,
    client_secret: null,
    consent: null,
    consent_collection: null,
    created: Math.floor(Date.now() / 1000),
    currency: session.currency,
    custom_fields: [],
    customer: null,
    customer_creation: "if_required",
    customer_details: null,
    customer_email: p.customer_email ?? null,
    expires_at: session.expires_at,
    invoice: null,
    livemode: false,
    locale: p.locale ?? null,
    metadata,
    mode: p.mode ?? "payment",
    payment_intent: null,
    payment_link: null,
    payment_method_types: ["card"],
    payment_status: "unpaid",
    status: "open",
    submit_type: p.submit_type ?? null,
    subscription: null,
    success_url: p.success_url ?? null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: "hosted",
    url: session.url,
  };
}

/** Σ unit_amount × quantity over the line items, as Stripe totals a session. */
function totalOf(params: Record<string, string>): number {
  let total = 0;
  for (let i = 0; params[`line_items[${i}][price_data][unit_amount]`] !== undefined; i++) {
    total += Number(params[`line_items[${i}][price_data][unit_amount]`]) * Number(params[`line_items[${i}][quantity]`] ?? "1");
  }
  return total;
}

export function stripeCheckoutMock(): StripeCheckoutMock {
  const requests: StripeCheckoutRequest[] = [];
  const sessions: MockCheckoutSession[] = [];
  const replies = new Map<string, { params: string; status: number; body: ReturnType<typeof sessionJson>; sessionId: string | null }>();
  let failures: { remaining: number; status: number } = { remaining: 0, status: 500 };

  const handler = http.post("https://api.stripe.com/v1/checkout/sessions", async ({ request }) => {
    const body = await request.text();
    const params = Object.fromEntries(new URLSearchParams(body));
    const idempotencyKey = request.headers.get("idempotency-key");
    const stripeAccount = request.headers.get("stripe-account");
    const record = (status: number, replayed: boolean, sessionId: string | null) =>
      requests.push({ idempotencyKey, stripeAccount, stripeVersion: request.headers.get("stripe-version"), params, status, replayed, sessionId });

    if (!SECRET_KEY.test(request.headers.get("authorization") ?? "")) {
      record(401, false, null);
      return stripeError(401, "invalid_request_error", "Invalid API Key provided");
    }
    const scope = `${stripeAccount ?? "platform"} ${idempotencyKey ?? ""}`;
    const earlier = idempotencyKey ? replies.get(scope) : undefined;
    if (earlier) {
      if (earlier.params !== body) {
        record(400, false, null);
        return stripeError(400, "idempotency_error", "Keys for idempotent requests can only be used with the same parameters they were first used with.");
      }
      record(earlier.status, true, earlier.sessionId);
      return HttpResponse.json(earlier.body, { status: earlier.status, headers: { "Idempotent-Replayed": "true" } });
    }
    if (failures.remaining > 0) {
      failures.remaining--;
      record(failures.status, false, null);
      // Not remembered under the key: Stripe does not save a result for a request it never ran.
      return stripeError(failures.status, failures.status >= 500 ? "api_error" : "invalid_request_error", "Simulated failure");
    }
    // What Stripe itself would refuse, so a wrong request fails the test instead of passing it.
    const problems = [
      params.mode !== "payment" && "mode must be payment",
      !params.success_url && "success_url is required",
      !params["line_items[0][price_data][currency]"] && "line_items are required",
      ...Object.entries(params)
        .filter(([key]) => /unit_amount$|application_fee_amount$/.test(key))
        .filter(([, value]) => !/^\d+$/.test(value))
        .map(([key]) => `${key} must be an integer`),
    ].filter(Boolean);
    if (problems.length > 0) {
      record(400, false, null);
      return stripeError(400, "invalid_request_error", problems.join("; "));
    }
    const id = `cs_test_${randomBytes(24).toString("hex")}`;
    const session: MockCheckoutSession = {
      id,
      url: `https://checkout.stripe.com/c/pay/${id}`,
      account: stripeAccount,
      amount_total: totalOf(params),
      currency: params["line_items[0][price_data][currency]"]!,
      expires_at: Math.floor(Date.now() / 1000) + 24 * 60 * 60,
      params,
    };
    sessions.push(session);
    const json = sessionJson(session);
    if (idempotencyKey) replies.set(scope, { params: body, status: 200, body: json, sessionId: id });
    record(200, false, id);
    return HttpResponse.json(json);
  });

  return {
    handlers: [handler],
    requests,
    sessions,
    failNext(n, status = 500) {
      failures = { remaining: n, status };
    },
  };
}
