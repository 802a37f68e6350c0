import { createHash, randomUUID } from "node:crypto";
import { http, HttpResponse, type HttpHandler } from "msw";

/**
 * Resend's sending API, emulated for msw: POST /emails and POST /emails/batch, shaped after
 * Resend's OpenAPI description (SendEmailRequest, SendEmailResponse, CreateBatchEmailsResponse)
 * and its documented errors ({ statusCode, name, message }).
 *
 * Idempotency as Resend documents it: the same Idempotency-Key with the same body returns the
 * first response and delivers nothing new; the same key with a different body is a 409
 * invalid_idempotent_request; a key still in flight is a 409 concurrent_idempotent_requests.
 * Refused requests (429, 5xx, 4xx) are not remembered, so a retry under the same key is new.
 *
 * Every accepted email is recorded once in `deliveries`: tests assert exactly-once on it.
 */

export interface ResendDelivery {
  id: string;
  endpoint: "/emails" | "/emails/batch";
  idempotencyKey: string | null;
  from: string;
  to: string[];
  subject: string;
  html?: string;
  text?: string;
  headers: Record<string, string>;
}

export interface ResendCall {
  endpoint: "/emails" | "/emails/batch";
  idempotencyKey: string | null;
  /** Emails in the request. */
  count: number;
  status: number;
  /** true when the response replayed an earlier one for the same key. */
  replayed: boolean;
}

export type ResendFailure =
  | { status: 429; retryAfter?: number; name?: "rate_limit_exceeded" | "daily_quota_exceeded" }
  | { status: 500 | 502 | 503 }
  | { status: 400 | 403 | 422; name?: string; message?: string }
  | { network: true };

const API_KEY = /^Bearer re_[A-Za-z0-9_]+$/;

function errorResponse(status: number, name: string, message: string, headers: Record<string, string> = {}) {
  return HttpResponse.json({ statusCode: status, name, message }, { status, headers });
}

const isAddress = (value: unknown) => typeof value === "string" && /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(value);
const isSender = (value: unknown) =>
  typeof value === "string" && (isAddress(value) || /^[^\r\n<>]*<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>$/.test(value.trim()));

/** Resend's checks on one email, as far as this app can trip them. Returns an error message or null. */
function invalidEmail(email: unknown, inBatch: boolean): { name: string; message: string } | null {
  if (!email || typeof email !== "object" || Array.isArray(email)) return { name: "validation_error", message: "Invalid email object" };
  const e = email as Record<string, unknown>;
  for (const field of ["from", "to", "subject"]) {
    if (e[field] === undefined || e[field] === null || e[field] === "") {
      return { name: "missing_required_field", message: `Missing \`${field}\` field.` };
    }
  }
  if (!isSender(e.from)) return { name: "invalid_from_address", message: "Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format." };
  const to = Array.isArray(e.to) ? e.to : [e.to];
  if (to.length === 0 || to.length > 50 || !to.every(isSender)) return { name: "validation_error", message: "Invalid `to` field. The email address needs to follow the `email@example.com` format." };
  // Stricter than Resend on purpose: a line break in a subject or header is an injection
  // attempt that got through, and a test should fail loudly on it.
  if (typeof e.subject !== "string" || /[\r\n]/.test(e.subject)) return { name: "validation_error", message: "Invalid `subject` field." };
  if (e.html === undefined && e.text === undefined && e.template === undefined) return { name: "validation_error", message: "Missing `html` or `text` field." };
  if (e.headers !== undefined) {
    if (!e.headers || typeof e.headers !== "object") return { name: "validation_error", message: "Invalid `headers` field." };
    for (const [name, value] of Object.entries(e.headers)) {
      if (typeof value !== "string" || /[\r\n]/.test(value) || /[\r\n:]/.test(name)) {
        return { name: "validation_error", message: `Invalid header \`${name}\`.` };
      }
    }
  }
  if (inBatch && (e.attachments !== undefined || e.scheduled_at !== undefined)) {
    return { name: "validation_error", message: "Attachments and scheduling are not supported in batch sending." };
  }
  return null;
}

export interface ResendMock {
  handlers: HttpHandler[];
  deliveries: ResendDelivery[];
  calls: ResendCall[];
  /** The next n requests fail this way (before any idempotency processing, as Resend's limiter does). */
  failNext(n: number, failure: ResendFailure): void;
  /** Delays responses, to keep a key "in flight" for concurrency tests. */
  setLatency(ms: number): void;
  /** Deliveries to one address. */
  deliveredTo(address: string): ResendDelivery[];
}

export function createResendMock(baseUrl = "https://api.resend.com"): ResendMock {
  const deliveries: ResendDelivery[] = [];
  const calls: ResendCall[] = [];
  const failures: ResendFailure[] = [];
  const remembered = new Map<string, { endpoint: string; bodyHash: string; status: number; body: unknown }>();
  const inFlight = new Set<string>();
  let latencyMs = 0;

  const handle = (endpoint: "/emails" | "/emails/batch") =>
    http.post(`${baseUrl}${endpoint}`, async ({ request }) => {
      const key = request.headers.get("idempotency-key");
      const raw = await request.text();
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const count = Array.isArray(body) ? body.length : 1;
      const respond = (response: Response, replayed = false) => {
        calls.push({ endpoint, idempotencyKey: key, count, status: response.status, replayed });
        return response;
      };

      if (!API_KEY.test(request.headers.get("authorization") ?? "")) {
        return respond(errorResponse(401, "missing_api_key", "Missing API key in the authorization header."));
      }
      const failure = failures.shift();
      if (failure) {
        if ("network" in failure) {
          calls.push({ endpoint, idempotencyKey: key, count, status: 0, replayed: false });
          return HttpResponse.error();
        }
        if (failure.status === 429) {
          return respond(
            errorResponse(429, failure.name ?? "rate_limit_exceeded", "Too many requests. You can only make 2 requests per second.", {
              "retry-after": String(failure.retryAfter ?? 1),
              "ratelimit-limit": "2",
              "ratelimit-remaining": "0",
            }),
          );
        }
        if (failure.status >= 500) return respond(errorResponse(failure.status, "internal_server_error", "An unexpected error occurred."));
        const f = failure as { status: number; name?: string; message?: string };
        return respond(errorResponse(f.status, f.name ?? "validation_error", f.message ?? "The request is invalid."));
      }

      if (key !== null && (key.length === 0 || key.length > 256)) {
        return respond(errorResponse(400, "invalid_idempotency_key", "The key must be between 1-256 chars."));
      }
      const bodyHash = createHash("sha256").update(`${endpoint}\n${raw}`).digest("hex");
      if (key !== null) {
        const earlier = remembered.get(key);
        if (earlier) {
          if (earlier.bodyHash !== bodyHash) {
            return respond(errorResponse(409, "invalid_idempotent_request", "Same idempotency key used with a different request payload. Change your idempotency key or payload."));
          }
          return respond(HttpResponse.json(earlier.body as Record<string, unknown>, { status: earlier.status }), true);
        }
        if (inFlight.has(key)) {
          return respond(errorResponse(409, "concurrent_idempotent_requests", "Same idempotency key used while original request is still in progress. Try the request again later."));
        }
        inFlight.add(key);
      }
      try {
        if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
        const emails = endpoint === "/emails" ? [body] : body;
        if (endpoint === "/emails/batch") {
          if (!Array.isArray(emails) || emails.length === 0) return respond(errorResponse(422, "validation_error", "Invalid batch: expected an array of emails."));
          if (emails.length > 100) return respond(errorResponse(422, "validation_error", "Too many emails in the batch: the limit is 100."));
        }
        // Strict batch validation (the SDK's default): one invalid email refuses them all.
        for (const [index, email] of (emails as unknown[]).entries()) {
          const problem = invalidEmail(email, endpoint === "/emails/batch");
          if (problem) {
            const prefix = endpoint === "/emails/batch" ? `data[${index}]: ` : "";
            return respond(errorResponse(422, problem.name, `${prefix}${problem.message}`));
          }
        }
        const accepted = (emails as Record<string, unknown>[]).map((email) => {
          const delivery: ResendDelivery = {
            id: randomUUID(),
            endpoint,
            idempotencyKey: key,
            from: String(email.from),
            to: [email.to].flat().map(String),
            subject: String(email.subject),
            html: email.html as string | undefined,
            text: email.text as string | undefined,
            headers: (email.headers as Record<string, string> | undefined) ?? {},
          };
          deliveries.push(delivery);
          return delivery;
        });
        const responseBody = endpoint === "/emails" ? { id: accepted[0]!.id } : { data: accepted.map((d) => ({ id: d.id })) };
        if (key !== null) remembered.set(key, { endpoint, bodyHash, status: 200, body: responseBody });
        return respond(HttpResponse.json(responseBody));
      } finally {
        if (key !== null) inFlight.delete(key);
      }
    });

  return {
    handlers: [handle("/emails"), handle("/emails/batch")],
    deliveries,
    calls,
    failNext(n, failure) {
      for (let i = 0; i < n; i++) failures.push(failure);
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    deliveredTo(address) {
      return deliveries.filter((d) => d.to.some((to) => to.toLowerCase() === address.toLowerCase()));
    },
  };
}
