import { sql } from "kysely";
import type { Logger } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { handleResendWebhook } from "~/email/resend-webhook.server";
import { suppressionFor } from "~/models/suppressions.server";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { newWebhookSecret, svixHeaders } from "../support/svix";

const secret = newWebhookSecret();
let database: TestDatabase;
let app: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp(database.db, { RESEND_WEBHOOK_SECRET: secret });
});
afterAll(async () => {
  await app?.close();
  await database?.destroy();
});

/** Shaped like Resend's email.* events (see its OpenAPI description, webhooks section). */
function event(type: string, to: string[], extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    type,
    created_at: new Date().toISOString(),
    data: {
      email_id: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c",
      created_at: new Date().toISOString(),
      from: "Tomoni <no-reply@tomoni.example>",
      to,
      subject: "An update about the refrigerator",
      ...extra,
    },
  });
}

const post = (body: string, headers: Record<string, string>, target: TestApp = app) =>
  fetch(`${target.url}/webhooks/resend`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body });

async function writes() {
  const db = database.db;
  const [events, suppressions] = await Promise.all([
    db.selectFrom("resend_events").select(["svix_id", "type"]).orderBy("svix_id").execute(),
    db.selectFrom("email_suppressions").select(["email", "scope", "reason", "source_event_id"]).orderBy("id").execute(),
  ]);
  return { events, suppressions };
}

async function suppressionsOf(email: string) {
  return database.db
    .selectFrom("email_suppressions")
    .where(sql<boolean>`lower(email) = ${email.toLowerCase()}`)
    .select(["scope", "reason", "source_event_id"])
    .execute();
}

describe("POST /webhooks/resend", () => {
  it("suppresses a bounced address for everything, receipts included", async () => {
    const body = event("email.bounced", ["bounced@example.com"], { bounce: { type: "Permanent", subType: "General", message: "No such user" } });
    const headers = svixHeaders(body, secret);
    const res = await post(body, headers);
    expect(res.status).toBe(200);
    expect(await suppressionsOf("bounced@example.com")).toEqual([{ scope: "all", reason: "bounced", source_event_id: headers["svix-id"] }]);
    expect(await suppressionFor(database.db, { recipient: "Bounced@Example.com", transactional: true, subscriptionId: null })).toBe("bounced");
    const recorded = await database.db.selectFrom("resend_events").where("svix_id", "=", headers["svix-id"]!).selectAll().execute();
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.type).toBe("email.bounced");
  });

  it("takes the same event again harmlessly", async () => {
    const body = event("email.bounced", ["twice@example.com"]);
    const headers = svixHeaders(body, secret);
    expect((await post(body, headers)).status).toBe(200);
    const after = await writes();
    // Svix retries the very same message; also re-signed later with the same id.
    const again = await post(body, headers);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true });
    expect((await post(body, svixHeaders(body, secret, { id: headers["svix-id"] }))).status).toBe(200);
    expect(await writes()).toEqual(after);
    expect(await suppressionsOf("twice@example.com")).toHaveLength(1);
  });

  it("suppresses every recipient of a complaint, names and all", async () => {
    const body = event("email.complained", ["Aiko <aiko@example.com>", "ken@example.com"]);
    expect((await post(body, svixHeaders(body, secret))).status).toBe(200);
    expect((await suppressionsOf("aiko@example.com")).map((s) => s.reason)).toEqual(["complained"]);
    expect((await suppressionsOf("ken@example.com")).map((s) => s.scope)).toEqual(["all"]);
  });

  it("acknowledges other event types without suppressing anyone", async () => {
    const body = event("email.delivered", ["delivered@example.com"]);
    const res = await post(body, svixHeaders(body, secret));
    expect(res.status).toBe(200);
    expect(await suppressionsOf("delivered@example.com")).toEqual([]);
  });

  it("refuses a tampered body with 400 and writes nothing", async () => {
    const body = event("email.delivered", ["innocent@example.com"]);
    const headers = svixHeaders(body, secret);
    const before = await writes();
    const tampered = body.replace("email.delivered", "email.complained");
    const res = await post(tampered, headers);
    expect(res.status).toBe(400);
    // Re-serialising the same JSON differently is a different body too: verify the raw text.
    expect((await post(JSON.stringify(JSON.parse(body), null, 2), headers)).status).toBe(400);
    expect(await writes()).toEqual(before);
  });

  it("refuses missing, foreign, stale and malformed signatures with 400 and writes nothing", async () => {
    const body = event("email.bounced", ["victim@example.com"]);
    const good = svixHeaders(body, secret);
    const before = await writes();
    const cases: Record<string, string>[] = [
      {},
      { "svix-id": good["svix-id"]!, "svix-timestamp": good["svix-timestamp"]! },
      { ...good, "svix-signature": "" },
      { ...good, "svix-signature": "v1,AAAA" },
      { ...good, "svix-signature": good["svix-signature"]!.replace("v1,", "v2,") },
      svixHeaders(body, newWebhookSecret()),
      svixHeaders(body, secret, { timestamp: Math.floor(Date.now() / 1000) - 600 }),
      { ...good, "svix-timestamp": "yesterday" },
    ];
    for (const headers of cases) {
      const res = await post(body, headers);
      expect(res.status, JSON.stringify(headers)).toBe(400);
    }
    // Signed, but not JSON: still nothing we act on.
    expect((await post("not json", svixHeaders("not json", secret))).status).toBe(400);
    expect(await writes()).toEqual(before);
  });

  it("is not refused by the cross-origin guard", async () => {
    const body = event("email.sent", ["sent@example.com"]);
    const res = await post(body, { ...svixHeaders(body, secret), Origin: "https://api.resend.com", "Sec-Fetch-Site": "cross-site" });
    expect(res.status).toBe(200);
  });

  it("answers 500 and writes nothing when no secret is configured", async () => {
    const unconfigured = await startTestApp(database.db);
    try {
      const body = event("email.bounced", ["unverified@example.com"]);
      const before = await writes();
      const res = await post(body, svixHeaders(body, secret), unconfigured);
      expect(res.status).toBe(500);
      expect(await writes()).toEqual(before);
    } finally {
      await unconfigured.close();
    }
  });

  it("takes only POST", async () => {
    const res = await fetch(`${app.url}/webhooks/resend`);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});

describe("misconfiguration is logged as our failure", () => {
  const logger = () => ({ error: vi.fn(), warn: vi.fn(), info: vi.fn() });
  const request = (body: string, headers: Record<string, string>) =>
    new Request("http://localhost/webhooks/resend", { method: "POST", headers, body });

  it.each([
    ["missing", undefined],
    ["unusable (no key after whsec_)", "whsec_"],
  ])("a %s secret answers 500 with an error log line", async (_label, configured) => {
    const log = logger();
    const body = event("email.bounced", ["misconfigured@example.com"]);
    const res = await handleResendWebhook(request(body, svixHeaders(body, secret)), {
      db: database.db,
      secret: configured,
      logger: log as unknown as Logger,
    });
    expect(res.status).toBe(500);
    expect(log.error).toHaveBeenCalledTimes(1);
    expect(await suppressionsOf("misconfigured@example.com")).toEqual([]);
  });
});
