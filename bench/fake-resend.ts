import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local Resend-compatible server for the fan-out benchmark: POST /emails and POST
 * /emails/batch shaped after ../shared/specs/resend-openapi.json (SendEmailResponse, a batch's
 * `{ data: [{ id }] }`, errors as `{ statusCode, name, message }`), with
 *
 * - a rate limit of `ratePerSecond` requests in any sliding second (the strict reading of
 *   "10 requests/s"); beyond it 429 rate_limit_exceeded with `retry-after` in whole seconds,
 *   as Resend sends it;
 * - Resend's idempotency: the same Idempotency-Key and body replays the first response and
 *   delivers nothing new; the same key with another body is a 409;
 * - strict batch validation (1–100 emails, each with from, to, subject and html or text).
 *
 * Every accepted email is counted per recipient and per endpoint, so the benchmark can check
 * that nobody got the fan-out twice.
 */

export interface FakeResend {
  url: string;
  stats(): FakeResendStats;
  /** Recipients (lower-cased) of accepted batch emails, with how often each was delivered. */
  batchRecipients: Map<string, number>;
  singleRecipients: Map<string, number>;
  /** Resolves when `n` batch emails have been accepted (or rejects after timeoutMs). */
  waitForBatchEmails(n: number, timeoutMs: number): Promise<number>;
  close(): Promise<void>;
}

export interface FakeResendStats {
  requests: number;
  accepted: number;
  rateLimited: number;
  replayed: number;
  rejected: number;
  batchCalls: number;
  singleCalls: number;
  batchEmails: number;
  singleEmails: number;
  /** ms since epoch of the first and last accepted call. */
  firstAcceptedAt: number | null;
  lastAcceptedAt: number | null;
  /** The most requests admitted (not refused with 429) in any sliding second. */
  maxPerSecond: number;
}

const isAddress = (v: unknown) => typeof v === "string" && /^(?:[^\r\n<>]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/.test(v.trim());

function invalid(email: unknown): string | null {
  if (!email || typeof email !== "object" || Array.isArray(email)) return "Invalid email object";
  const e = email as Record<string, unknown>;
  for (const field of ["from", "to", "subject"]) if (!e[field]) return `Missing \`${field}\` field.`;
  if (!isAddress(e.from)) return "Invalid `from` field.";
  const to = [e.to].flat();
  if (to.length === 0 || to.length > 50 || !to.every(isAddress)) return "Invalid `to` field.";
  if (typeof e.subject !== "string" || /[\r\n]/.test(e.subject)) return "Invalid `subject` field.";
  if (e.html === undefined && e.text === undefined) return "Missing `html` or `text` field.";
  return null;
}

export async function startFakeResend(options: { ratePerSecond: number; latencyMs?: number }): Promise<FakeResend> {
  const window: number[] = [];
  const remembered = new Map<string, { hash: string; status: number; body: string }>();
  const inFlight = new Set<string>();
  const batchRecipients = new Map<string, number>();
  const singleRecipients = new Map<string, number>();
  const waiters: Array<{ n: number; resolve: (v: number) => void }> = [];
  const s: FakeResendStats = {
    requests: 0,
    accepted: 0,
    rateLimited: 0,
    replayed: 0,
    rejected: 0,
    batchCalls: 0,
    singleCalls: 0,
    batchEmails: 0,
    singleEmails: 0,
    firstAcceptedAt: null,
    lastAcceptedAt: null,
    maxPerSecond: 0,
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(text);
    return text;
  };
  const error = (res: ServerResponse, status: number, name: string, message: string, headers: Record<string, string> = {}) =>
    send(res, status, { statusCode: status, name, message }, headers);

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const path = (req.url ?? "").split("?")[0];
    s.requests += 1;
    if (req.method !== "POST" || (path !== "/emails" && path !== "/emails/batch")) return error(res, 404, "not_found", "Not found");
    if (!/^Bearer re_\w+$/.test(req.headers.authorization ?? "")) return error(res, 401, "missing_api_key", "Missing API key in the authorization header.");

    // The limiter counts every request it lets through, before idempotency (as Resend's does).
    const now = Date.now();
    while (window.length > 0 && window[0]! <= now - 1000) window.shift();
    if (window.length >= options.ratePerSecond) {
      s.rateLimited += 1;
      const retryAfter = Math.max(1, Math.ceil((window[0]! + 1000 - now) / 1000));
      return error(res, 429, "rate_limit_exceeded", `Too many requests. You can only make ${options.ratePerSecond} requests per second.`, {
        "retry-after": String(retryAfter),
        "ratelimit-limit": String(options.ratePerSecond),
        "ratelimit-remaining": "0",
        "ratelimit-reset": String(retryAfter),
      });
    }
    window.push(now);
    s.maxPerSecond = Math.max(s.maxPerSecond, window.length);

    const key = typeof req.headers["idempotency-key"] === "string" ? req.headers["idempotency-key"] : null;
    const hash = createHash("sha256").update(`${path}\n${raw}`).digest("hex");
    if (key !== null) {
      const earlier = remembered.get(key);
      if (earlier) {
        if (earlier.hash !== hash) {
          s.rejected += 1;
          return error(res, 409, "invalid_idempotent_request", "Same idempotency key used with a different request payload.");
        }
        s.replayed += 1;
        return send(res, earlier.status, earlier.body);
      }
      if (inFlight.has(key)) {
        s.rejected += 1;
        return error(res, 409, "concurrent_idempotent_requests", "Same idempotency key used while original request is still in progress.");
      }
      inFlight.add(key);
    }
    try {
      if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        s.rejected += 1;
        return error(res, 422, "validation_error", "Invalid JSON.");
      }
      const batch = path === "/emails/batch";
      const emails = batch ? body : [body];
      if (!Array.isArray(emails) || emails.length === 0 || emails.length > 100) {
        s.rejected += 1;
        return error(res, 422, "validation_error", "A batch holds 1 to 100 emails.");
      }
      for (const [index, email] of emails.entries()) {
        const problem = invalid(email);
        if (problem) {
          s.rejected += 1;
          return error(res, 422, "validation_error", batch ? `data[${index}]: ${problem}` : problem);
        }
      }
      const ids = emails.map(() => randomUUID());
      const recipients = batch ? batchRecipients : singleRecipients;
      for (const email of emails as Array<{ to: string | string[] }>) {
        for (const to of [email.to].flat()) recipients.set(to.trim().toLowerCase(), (recipients.get(to.trim().toLowerCase()) ?? 0) + 1);
      }
      s.accepted += 1;
      s.firstAcceptedAt ??= Date.now();
      s.lastAcceptedAt = Date.now();
      if (batch) {
        s.batchCalls += 1;
        s.batchEmails += emails.length;
      } else {
        s.singleCalls += 1;
        s.singleEmails += 1;
      }
      const text = send(res, 200, batch ? { data: ids.map((id) => ({ id })) } : { id: ids[0] });
      if (key !== null) remembered.set(key, { hash, status: 200, body: text });
      for (const waiter of [...waiters]) {
        if (s.batchEmails >= waiter.n) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(Date.now());
        }
      }
    } finally {
      if (key !== null) inFlight.delete(key);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) error(res, 500, "internal_server_error", String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ ...s }),
    batchRecipients,
    singleRecipients,
    waitForBatchEmails(n, timeoutMs) {
      if (s.batchEmails >= n) return Promise.resolve(Date.now());
      return new Promise((resolve, reject) => {
        const waiter = { n, resolve };
        waiters.push(waiter);
        setTimeout(() => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) {
            waiters.splice(i, 1);
            reject(new Error(`only ${s.batchEmails} of ${n} batch emails arrived in ${timeoutMs / 1000} s`));
          }
        }, timeoutMs).unref();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
