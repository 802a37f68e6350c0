import { beforeEach, describe, expect, it } from "vitest";
import { createResendTransport, parseRetryAfter, type OutgoingEmail } from "~/email/transport.server";
import { createResendMock, type ResendMock } from "../mocks/resend";
import { mswServer } from "../support/msw";
import { emailTestEnv } from "../support/outbox";

/** The Resend transport against the emulated API: what the worker relies on. */
let resend: ResendMock;
beforeEach(() => {
  resend = createResendMock();
  mswServer.use(...resend.handlers);
});

const transport = () => createResendTransport(emailTestEnv());
const email = (to: string, subject = "Hello"): OutgoingEmail => ({
  from: "Tomoni <no-reply@tomoni.test>",
  to,
  subject,
  html: "<p>Hi</p>",
  text: "Hi",
  headers: {},
  locale: "en",
});

describe("Resend transport", () => {
  it("sends with the Idempotency-Key, and the same key and body is the same delivery", async () => {
    const first = await transport().send(email("a@example.org"), "k1");
    const again = await transport().send(email("a@example.org"), "k1");
    expect(first).toEqual({ ok: true, ids: [expect.stringMatching(/^[0-9a-f-]{36}$/)] });
    expect(again).toEqual(first);
    expect(resend.deliveries).toHaveLength(1);
    expect(resend.calls.map((c) => [c.idempotencyKey, c.replayed])).toEqual([
      ["k1", false],
      ["k1", true],
    ]);
  });

  it("returns batch ids in order, one per email", async () => {
    const outcome = await transport().sendBatch([email("a@example.org"), email("b@example.org")], "batch:x:1");
    expect(outcome.ok && outcome.ids.length).toBe(2);
    expect(outcome.ok && outcome.ids).toEqual(resend.deliveries.map((d) => d.id));
    expect(resend.deliveries.map((d) => d.to[0])).toEqual(["a@example.org", "b@example.org"]);
  });

  it("classifies failures: 429 with retry-after, 5xx and network retryable; refusals final", async () => {
    resend.failNext(1, { status: 429, retryAfter: 3 });
    expect(await transport().send(email("a@example.org"), "r1")).toMatchObject({ ok: false, status: 429, retryable: true, retryAfterSeconds: 3 });
    resend.failNext(1, { status: 503 });
    expect(await transport().send(email("a@example.org"), "r2")).toMatchObject({ ok: false, status: 503, retryable: true });
    resend.failNext(1, { network: true });
    expect(await transport().send(email("a@example.org"), "r3")).toMatchObject({ ok: false, status: null, retryable: true });
    expect(await transport().send(email("not-an-address"), "r4")).toMatchObject({ ok: false, status: 422, retryable: false });
    // A key reused with a different body: the provider refuses, and no retry changes that.
    await transport().send(email("a@example.org", "One"), "r5");
    expect(await transport().send(email("a@example.org", "Two"), "r5")).toMatchObject({ ok: false, status: 409, retryable: false, message: expect.stringContaining("invalid_idempotent_request") });
    expect(resend.deliveries.map((d) => d.subject)).toEqual(["One"]);
  });

  it("retries a key that is still in flight elsewhere", async () => {
    resend.setLatency(50);
    const [a, b] = await Promise.all([transport().send(email("a@example.org"), "busy"), transport().send(email("a@example.org"), "busy")]);
    expect([a, b].filter((o) => o.ok)).toHaveLength(1);
    expect([a, b].find((o) => !o.ok)).toMatchObject({ status: 409, retryable: true, message: expect.stringContaining("concurrent_idempotent_requests") });
    expect(resend.deliveries).toHaveLength(1);
  });

  it("refuses batches over 100, as Resend does", async () => {
    const outcome = await transport().sendBatch(Array.from({ length: 101 }, (_, i) => email(`r${i}@example.org`)), "big");
    expect(outcome).toMatchObject({ ok: false, status: 422, retryable: false });
    expect(resend.deliveries).toHaveLength(0);
  });

  it("reads retry-after as seconds or as an HTTP date", () => {
    expect(parseRetryAfter("2")).toBe(2);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
