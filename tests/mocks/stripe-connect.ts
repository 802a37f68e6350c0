import { randomBytes } from "node:crypto";
import { http, HttpResponse, type HttpHandler } from "msw";

/**
 * Stripe's Connect endpoints, emulated for msw: POST /v1/accounts, POST /v1/account_links and
 * GET /v1/accounts/:id, with response shapes after Stripe's API fixtures (account, account_link).
 *
 * Idempotency as Stripe documents it (https://docs.stripe.com/api/idempotent_requests): a
 * repeated Idempotency-Key with the same parameters replays the first response, creating
 * nothing; the same key with different parameters is a 400 idempotency_error.
 *
 * Every request is recorded with its Idempotency-Key and decoded form parameters, so tests
 * assert exactly what reached Stripe.
 */

export interface StripeConnectRequest {
  method: "GET" | "POST";
  path: string;
  idempotencyKey: string | null;
  stripeVersion: string | null;
  /** The form-encoded body as flat key → value pairs (`controller[fees][payer]` → "account"). */
  params: Record<string, string>;
  status: number;
  replayed: boolean;
}

export interface MockAccount {
  id: string;
  charges_enabled: boolean;
  payouts_enabled: boolean;
  details_submitted: boolean;
  metadata: Record<string, string>;
  controller: Record<string, unknown>;
}

export interface StripeConnectMock {
  handlers: HttpHandler[];
  requests: StripeConnectRequest[];
  /** Accounts created, by id. */
  accounts: Map<string, MockAccount>;
  /** Changes what Stripe reports for an account (as finishing onboarding would). */
  updateAccount(id: string, changes: Partial<Omit<MockAccount, "id">>): void;
  /** The next n requests fail with this HTTP status (a Stripe error body; 4xx is not retried by the SDK). */
  failNext(n: number, status?: number): void;
  /** Requests to one endpoint ("POST /v1/accounts", "GET /v1/accounts/acct_…"). */
  calls(endpoint: string): StripeConnectRequest[];
}

const SECRET_KEY = /^Bearer sk_(test|live)_[A-Za-z0-9_]+$/;

interface Reply {
  status: number;
  body: unknown;
}

const ok = (body: unknown): Reply => ({ status: 200, body });
const stripeError = (status: number, type: string, message: string, extra: Record<string, string> = {}): Reply => ({
  status,
  body: { error: { type, message, ...extra } },
});

function accountJson(account: MockAccount) {
  return {
    id: account.id,
    object: "account",
    business_profile: { mcc: null, name: null, product_description: null, support_email: null, support_phone: null, support_url: null, url: null },
    business_type: null,
    capabilities: account.charges_enabled ? { card_payments: "active", transfers: "active" } : {},
    charges_enabled: account.charges_enabled,
    controller: account.controller,
    country: "JP",
    created: 1_764_000_000,
    default_currency: "jpy",
    details_submitted: account.details_submitted,
    email: null,
    metadata: account.metadata,
    payouts_enabled: account.payouts_enabled,
    requirements: {
      alternatives: [],
      current_deadline: null,
      currently_due: account.details_submitted ? [] : ["business_profile.url", "external_account", "tos_acceptance.date", "tos_acceptance.ip"],
      disabled_reason: account.charges_enabled ? null : "requirements.past_due",
      errors: [],
      eventually_due: [],
      past_due: [],
      pending_verification: [],
    },
    type: "standard",
  };
}

/** Nested form keys (`controller[stripe_dashboard][type]`) into an object, as Stripe reads them. */
function nest(params: Record<string, string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    const path = key.replace(/\]/g, "").split("[");
    let node = root;
    for (const part of path.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]!] = value;
  }
  return root;
}

export function createStripeConnectMock(baseUrl = "https://api.stripe.com"): StripeConnectMock {
  const requests: StripeConnectRequest[] = [];
  const accounts = new Map<string, MockAccount>();
  const failures: number[] = [];
  const remembered = new Map<string, { body: string; reply: Reply }>();

  const handle = (method: "GET" | "POST", route: string, respond: (params: Record<string, string>, pathParams: Record<string, string>) => Reply) => {
    const factory = method === "GET" ? http.get : http.post;
    return factory(`${baseUrl}${route}`, async ({ request, params: pathParams }) => {
      const raw = method === "POST" ? await request.text() : "";
      const params = Object.fromEntries(new URLSearchParams(raw));
      const path = new URL(request.url).pathname;
      const idempotencyKey = request.headers.get("idempotency-key");
      const record = (reply: Reply, replayed = false) => {
        requests.push({ method, path, idempotencyKey, stripeVersion: request.headers.get("stripe-version"), params, status: reply.status, replayed });
        const headers: Record<string, string> = { "request-id": `req_${randomBytes(7).toString("hex")}` };
        if (replayed) headers["idempotent-replayed"] = "true";
        return HttpResponse.json(reply.body as Record<string, unknown>, { status: reply.status, headers });
      };
      if (!SECRET_KEY.test(request.headers.get("authorization") ?? "")) {
        return record(stripeError(401, "invalid_request_error", "Invalid API Key provided."));
      }
      const failure = failures.shift();
      if (failure !== undefined) {
        return record(stripeError(failure, failure >= 500 ? "api_error" : "invalid_request_error", "Something went wrong (mock)."));
      }
      // Stripe remembers POST responses by key; a replay answers with the first response.
      const memoryKey = method === "POST" && idempotencyKey ? `${path}\n${idempotencyKey}` : null;
      if (memoryKey) {
        const earlier = remembered.get(memoryKey);
        if (earlier) {
          if (earlier.body !== raw) {
            return record(
              stripeError(
                400,
                "idempotency_error",
                "Keys for idempotent requests can only be used with the same parameters they were first used with."
              )
            );
          }
          return record(earlier.reply, true);
        }
      }
      // Synchronous from lookup to remember: concurrent requests under one key cannot both create.
      const reply = respond(params, pathParams as Record<string, string>);
      if (memoryKey && reply.status < 500) remembered.set(memoryKey, { body: raw, reply });
      return record(reply);
    });
  };

  const handlers = [
    handle("POST", "/v1/accounts", (params) => {
      const nested = nest(params);
      const id = `acct_mock${randomBytes(8).toString("hex")}`;
      const account: MockAccount = {
        id,
        charges_enabled: false,
        payouts_enabled: false,
        details_submitted: false,
        metadata: (nested.metadata as Record<string, string> | undefined) ?? {},
        controller: { type: "application", is_controller: true, ...((nested.controller as Record<string, unknown> | undefined) ?? {}) },
      };
      accounts.set(id, account);
      return ok(accountJson(account));
    }),
    handle("POST", "/v1/account_links", (params) => {
      const account = params.account ?? "";
      if (!accounts.has(account)) return stripeError(400, "invalid_request_error", `No such account: '${account}'`, { param: "account" });
      for (const param of ["type", "refresh_url", "return_url"]) {
        if (!params[param]) return stripeError(400, "invalid_request_error", `Missing required param: ${param}.`, { param });
      }
      const created = Math.floor(Date.now() / 1000);
      return ok({
        object: "account_link",
        created,
        expires_at: created + 300,
        url: `https://connect.stripe.com/setup/s/${account}/${randomBytes(9).toString("base64url")}`,
      });
    }),
    handle("GET", "/v1/accounts/:id", (_params, { id }) => {
      const account = accounts.get(id ?? "");
      if (!account) return stripeError(404, "invalid_request_error", `No such account: '${id}'`, { code: "resource_missing" });
      return ok(accountJson(account));
    }),
  ];

  return {
    handlers,
    requests,
    accounts,
    updateAccount(id, changes) {
      const account = accounts.get(id);
      if (!account) throw new Error(`No such mock account ${id}`);
      Object.assign(account, changes);
    },
    failNext(n, status = 400) {
      for (let i = 0; i < n; i++) failures.push(status);
    },
    calls(endpoint) {
      return requests.filter((r) => `${r.method} ${r.path}` === endpoint);
    },
  };
}
