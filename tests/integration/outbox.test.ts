import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EmailTemplateError } from "~/email/render.server";
import { createResendTransport, type EmailTransport } from "~/email/transport.server";
import { createOutboxWorker, retryDelayMs, type OutboxWorkerOptions } from "~/email/worker.server";
import { enqueueEmail, enqueueEmails, OutboxEnqueueError, type EnqueueEmailInput } from "~/models/outbox.server";
import { nextSendSlot, pauseSending } from "~/models/send-pacing.server";
import { addSuppression, suppressionFor, suppressionsFor, type SuppressionCheck } from "~/models/suppressions.server";
import { renderEmail } from "~/email/render.server";
import { createResendMock, type ResendMock } from "../mocks/resend";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { mswServer } from "../support/msw";
import { createTestSubscription, emailTestEnv, gate, outboxRows, resetPacing, silentLogger, testClock } from "../support/outbox";

let database: TestDatabase;
let resend: ResendMock;
const env = emailTestEnv();

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.destroy();
});
beforeEach(async () => {
  const { db } = database;
  for (const table of ["outbox_emails", "mailbox_messages", "email_suppressions", "subscriptions", "organisations"] as const) {
    await db.deleteFrom(table).execute();
  }
  await resetPacing(db);
  resend = createResendMock();
  mswServer.use(...resend.handlers);
});

const db = () => database.db;

function worker(options: Partial<OutboxWorkerOptions> = {}) {
  return createOutboxWorker({
    db: db(),
    env: options.env ?? env,
    logger: silentLogger,
    transport: options.transport ?? createResendTransport(options.env ?? env),
    ...options,
  });
}

const testEmail = (overrides: Partial<EnqueueEmailInput> = {}): EnqueueEmailInput => ({
  kind: "test",
  to: "aiko@example.org",
  locale: "en",
  props: { name: "Aiko" },
  idempotencyKey: `test:${Math.random()}`,
  ...overrides,
});

describe(`enqueueEmail on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("writes nothing when the cause's transaction rolls back", async () => {
    await expect(
      db()
        .transaction()
        .execute(async (trx) => {
          await enqueueEmail(trx, testEmail({ idempotencyKey: "rolled-back" }));
          throw new Error("the donation failed");
        }),
    ).rejects.toThrow("the donation failed");
    expect(await outboxRows(db())).toHaveLength(0);
    const result = await worker().drainOnce();
    expect(result.calls).toBe(0);
    expect(resend.calls).toHaveLength(0);
  });

  it("treats the same idempotency key as the same email", async () => {
    const first = await db().transaction().execute((trx) => enqueueEmail(trx, testEmail({ idempotencyKey: "receipt:42" })));
    const second = await db().transaction().execute((trx) => enqueueEmail(trx, testEmail({ idempotencyKey: "receipt:42", props: { name: "Other" } })));
    expect([first, second]).toEqual([true, false]);
    expect(await outboxRows(db())).toHaveLength(1);
    await worker().drainOnce();
    expect(resend.deliveries).toHaveLength(1);
    expect(resend.deliveries[0]!.subject).toContain("Aiko");
  });

  it.each([
    ["not an address", "aiko.example.org"],
    ["a line feed with a smuggled header", "aiko@example.org\nBcc: everyone@example.org"],
    ["a carriage return", "aiko@example.org\r"],
    ["a line break in the middle", "ai\r\nko@example.org"],
    ["a display name", "Aiko <aiko@example.org>"],
    ["an empty string", ""],
    ["an address of 300 characters", `${"a".repeat(288)}@example.org`],
  ])("refuses a malformed recipient: %s", async (_label, to) => {
    await expect(enqueueEmail(db(), testEmail({ to }))).rejects.toThrow(OutboxEnqueueError);
    await expect(enqueueEmail(db(), testEmail({ to }))).rejects.toThrow(/^Recipient /);
    expect(await outboxRows(db())).toHaveLength(0);
  });

  it("refuses unknown kinds and props that fail the template's schema", async () => {
    await expect(enqueueEmail(db(), testEmail({ kind: "no-such-kind", transactional: true }))).rejects.toThrow(EmailTemplateError);
    await expect(enqueueEmail(db(), testEmail({ props: { name: 42 } }))).rejects.toThrow(EmailTemplateError);
    await expect(enqueueEmail(db(), testEmail({ props: { unexpected: "x" } }))).rejects.toThrow(EmailTemplateError);
    expect(await outboxRows(db())).toHaveLength(0);
  });

  it("requires a subscription for non-transactional mail, except test emails", async () => {
    const refused = enqueueEmail(db(), { ...testEmail(), kind: "need-update" } as EnqueueEmailInput);
    await expect(refused).rejects.toThrow(/needs a subscriptionId/);
    // A test email goes without one, and so does any transactional email.
    expect(await enqueueEmail(db(), testEmail())).toBe(true);
    expect(await enqueueEmail(db(), testEmail({ transactional: true }))).toBe(true);
  });

  it("refuses keys the provider cannot take or that could collide with a batch call's key", async () => {
    await expect(enqueueEmail(db(), testEmail({ idempotencyKey: "x".repeat(257) }))).rejects.toThrow(/Idempotency key/);
    await expect(enqueueEmail(db(), testEmail({ idempotencyKey: "batch:update:1:7" }))).rejects.toThrow(/reserved/);
    await expect(enqueueEmail(db(), testEmail({ batchKey: "b".repeat(201) }))).rejects.toThrow(/Batch key/);
  });
});

describe(`enqueueEmails (multi-row, a fan-out) on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  const fan = (i: number, overrides: Partial<EnqueueEmailInput> = {}) =>
    testEmail({ to: `fan-${i}@example.org`, idempotencyKey: `fan:${i}`, transactional: true, batchKey: "fan", ...overrides });

  it("writes every row once across chunks, skipping keys already queued (earlier, or earlier in the same list)", async () => {
    expect(await enqueueEmail(db(), fan(3))).toBe(true);
    const props = { name: "Aiko" };
    const inputs = [...Array.from({ length: 25 }, (_, i) => fan(i, { props })), fan(7, { props: { name: "Twin" } }), fan(24, { props })];
    // Chunks of 4 rows: the dedupe is the same inside a statement and across statements.
    const created = await db().transaction().execute((trx) => enqueueEmails(trx, inputs, { chunkSize: 4 }));
    expect(created).toBe(24);
    const rows = await outboxRows(db());
    expect(rows).toHaveLength(25);
    expect(new Set(rows.map((r) => r.idempotency_key)).size).toBe(25);
    // The first row with a key wins, as with one INSERT at a time.
    expect(rows.find((r) => r.idempotency_key === "fan:7")!.props).toEqual({ name: "Aiko" });
    expect(rows.find((r) => r.idempotency_key === "fan:12")).toMatchObject({ recipient: "fan-12@example.org", transactional: true, batch_key: "fan", kind: "test", locale: "en" });
    // Again, all of it: nothing new.
    expect(await enqueueEmails(db(), inputs, { chunkSize: 10 })).toBe(0);
    expect(await outboxRows(db())).toHaveLength(25);
  });

  it("checks every row as enqueueEmail does: refused rows throw, or are left out with skipRefused", async () => {
    const inputs = [fan(1), fan(2, { to: "not an address" }), fan(3, { to: "x@example.org\nBcc: all@example.org" }), fan(4)];
    await expect(enqueueEmails(db(), inputs)).rejects.toThrow(OutboxEnqueueError);
    expect(await outboxRows(db())).toHaveLength(0);
    expect(await enqueueEmails(db(), inputs, { skipRefused: true })).toBe(2);
    expect((await outboxRows(db())).map((r) => r.recipient).sort()).toEqual(["fan-1@example.org", "fan-4@example.org"]);
    // Props a template refuses are a bug, not an address problem: never skipped.
    await expect(enqueueEmails(db(), [fan(9, { props: { name: 42 } })], { skipRefused: true })).rejects.toThrow(EmailTemplateError);
  });

  it("writes nothing when the cause's transaction rolls back", async () => {
    await expect(
      db()
        .transaction()
        .execute(async (trx) => {
          await enqueueEmails(trx, Array.from({ length: 30 }, (_, i) => fan(i)), { chunkSize: 7 });
          throw new Error("the event failed");
        }),
    ).rejects.toThrow("the event failed");
    expect(await outboxRows(db())).toHaveLength(0);
  });
});

describe(`suppressionsFor (one query for a unit) on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("gives each row what suppressionFor gives it alone, in order", async () => {
    const ken = await createTestSubscription(db(), "ken@example.org");
    const mika = await createTestSubscription(db(), "Mika@Example.org");
    const gone = await createTestSubscription(db(), "gone@example.org");
    const elsewhere = await createTestSubscription(db(), "ken@example.org");
    await db().updateTable("subscriptions").set({ status: "unsubscribed" }).where("id", "=", gone.id).execute();
    await addSuppression(db(), { email: "Bounced@Example.org", scope: "all", reason: "bounced" });
    await addSuppression(db(), { email: "quiet@example.org", scope: "all", reason: "unsubscribed" });
    await addSuppression(db(), { email: "ken@example.org", scope: `organisation:${ken.organisation_id}`, reason: "unsubscribed" });
    await addSuppression(db(), { email: "mika@example.org", scope: `organisation:${mika.organisation_id}`, reason: "unsubscribed" });
    await addSuppression(db(), { email: "mika@example.org", scope: "all", reason: "complained" });

    const cases: Array<[SuppressionCheck, string | null]> = [
      [{ recipient: "bounced@example.org", transactional: true, subscriptionId: null }, "bounced"],
      [{ recipient: " quiet@example.org ", transactional: true, subscriptionId: null }, null],
      [{ recipient: "quiet@example.org", transactional: false, subscriptionId: null }, "unsubscribed"],
      [{ recipient: "ken@example.org", transactional: false, subscriptionId: ken.id }, "unsubscribed"],
      // The same address, another organisation's subscription: not suppressed there.
      [{ recipient: "ken@example.org", transactional: false, subscriptionId: elsewhere.id }, null],
      [{ recipient: "ken@example.org", transactional: true, subscriptionId: ken.id }, null],
      // A complaint outranks an unsubscribe.
      [{ recipient: "MIKA@example.org", transactional: false, subscriptionId: mika.id }, "complained"],
      [{ recipient: "mika@example.org", transactional: true, subscriptionId: null }, "complained"],
      [{ recipient: "gone@example.org", transactional: false, subscriptionId: gone.id }, "unsubscribed"],
      // The subscription was deleted: only 'all' applies.
      [{ recipient: "ken@example.org", transactional: false, subscriptionId: 999_999 }, null],
      [{ recipient: "fine@example.org", transactional: false, subscriptionId: ken.id }, null],
      [{ recipient: "bounced@example.org", transactional: false, subscriptionId: ken.id }, "bounced"],
    ];
    const batch = await suppressionsFor(db(), cases.map(([check]) => check));
    expect(batch).toEqual(cases.map(([, expected]) => expected));
    for (const [index, [check]] of cases.entries()) expect(await suppressionFor(db(), check)).toBe(batch[index]);
    expect(await suppressionsFor(db(), [])).toEqual([]);
  });

  it("lets the worker leave suppressed rows of a batch out and send the rest in one call", async () => {
    const subscriptions = [];
    for (let i = 0; i < 6; i++) subscriptions.push(await createTestSubscription(db(), `s${i}@example.org`));
    await addSuppression(db(), { email: "s1@example.org", scope: "all", reason: "bounced" });
    await addSuppression(db(), { email: "s4@example.org", scope: `organisation:${subscriptions[4]!.organisation_id}`, reason: "unsubscribed" });
    for (const [i, sub] of subscriptions.entries()) {
      await enqueueEmail(db(), testEmail({ to: `s${i}@example.org`, idempotencyKey: `s:${i}`, subscriptionId: sub.id, batchKey: "update:9" }));
    }
    expect(await worker().drainOnce()).toMatchObject({ calls: 1, sent: 4, suppressed: 2 });
    expect(resend.deliveries.map((d) => d.to[0]).sort()).toEqual(["s0@example.org", "s2@example.org", "s3@example.org", "s5@example.org"]);
    const rows = await outboxRows(db());
    expect(rows.filter((r) => r.status === "suppressed").map((r) => [r.recipient, r.last_error])).toEqual([
      ["s1@example.org", "bounced"],
      ["s4@example.org", "unsubscribed"],
    ]);
  });
});

describe("sending through Resend", () => {
  it("renders with the real templates and sends one-click unsubscribe headers, with hostile props defused", async () => {
    const subscription = await createTestSubscription(db(), "ken@example.org");
    const hostileName = `Ken\r\nBcc: everyone@example.org\n<script>alert(1)</script> 🙏🏽👩‍👩‍👧 ${"長".repeat(5_000)}`;
    await enqueueEmail(db(), testEmail({ to: "ken@example.org", subscriptionId: subscription.id, props: { name: hostileName, message: "<img src=x onerror=alert(1)>\r\nsecond line" } }));
    const clock = testClock();
    const result = await worker({ now: clock.now }).drainOnce();
    expect(result).toMatchObject({ calls: 1, sent: 1, dead: 0 });

    const [delivery] = resend.deliveries;
    expect(delivery!.to).toEqual(["ken@example.org"]);
    expect(delivery!.from).toBe("Tomoni <no-reply@tomoni.test>");
    const unsubscribeUrl = `https://tomoni.test/unsubscribe/${subscription.token}`;
    expect(delivery!.headers).toEqual({
      "List-Unsubscribe": `<${unsubscribeUrl}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    });
    expect(delivery!.subject).not.toMatch(/[\r\n]/);
    expect(delivery!.subject).toContain("🙏🏽");
    expect([...delivery!.subject].length).toBeLessThanOrEqual(200);
    expect(delivery!.html).not.toContain("<script>");
    expect(delivery!.html).not.toContain("<img src=x");
    expect(delivery!.html).toContain("&lt;script&gt;");
    expect(delivery!.html).toContain(unsubscribeUrl);

    const [row] = await outboxRows(db());
    expect(row).toMatchObject({ status: "sent", provider_message_id: delivery!.id, attempts: 1, send_key: row!.idempotency_key, lease_expires_at: null });
    expect(row!.sent_at?.getTime()).toBe(clock.now().getTime());
  });

  it("gives every recipient of a batch their own unsubscribe link in the html, the text and List-Unsubscribe, rendering the shared email once", async () => {
    const renders: string[] = [];
    const counted = async (input: Parameters<typeof renderEmail>[0]) => {
      renders.push(input.unsubscribeUrl ?? "");
      return renderEmail(input);
    };
    const subscriptions = [];
    for (let i = 0; i < 12; i++) subscriptions.push(await createTestSubscription(db(), `u${i}@example.org`));
    // One token an escaping HTML changes, as encodeURIComponent leaves it.
    await db().updateTable("subscriptions").set({ token: "it's-(a)*token!~with.marks-0123456789ab" }).where("id", "=", subscriptions[3]!.id).execute();
    for (const [i, sub] of subscriptions.entries()) {
      await enqueueEmail(db(), testEmail({ to: `u${i}@example.org`, locale: i % 2 ? "ja" : "en", idempotencyKey: `u:${i}`, subscriptionId: sub.id, batchKey: "update:7", props: { name: "Backers" } }));
    }
    expect(await worker({ render: counted }).drainOnce()).toMatchObject({ calls: 1, sent: 12 });
    // Two locales, two token lengths: far fewer renders than rows (each shared render is made twice, as its own check).
    expect(renders.length).toBeLessThanOrEqual(8);

    const tokens = await db().selectFrom("subscriptions").where("id", "in", subscriptions.map((s) => s.id)).select(["email", "token"]).execute();
    expect(resend.deliveries).toHaveLength(12);
    for (const delivery of resend.deliveries) {
      const { token } = tokens.find((t) => t.email === delivery.to[0])!;
      const url = `https://tomoni.test/unsubscribe/${encodeURIComponent(token)}`;
      expect(delivery.headers["List-Unsubscribe"]).toBe(`<${url}>`);
      const i = Number(delivery.to[0]!.slice(1, delivery.to[0]!.indexOf("@")));
      const alone = await renderEmail({ kind: "test", locale: i % 2 ? "ja" : "en", props: { name: "Backers" }, unsubscribeUrl: url });
      expect(delivery.html).toBe(alone.html);
      expect(delivery.text).toBe(alone.text);
      expect(delivery.text).toContain(url);
      for (const other of tokens.filter((t) => t.token !== token)) expect(delivery.text).not.toContain(encodeURIComponent(other.token));
    }
  });

  it("sends transactional mail without unsubscribe headers", async () => {
    await enqueueEmail(db(), testEmail({ transactional: true }));
    await worker().drainOnce();
    expect(resend.deliveries[0]!.headers).toEqual({});
  });

  it("keeps every header and the subject on one line even if a template lets a line break through", async () => {
    const subscription = await createTestSubscription(db(), "ken@example.org");
    await db().updateTable("subscriptions").set({ token: `${"t".repeat(40)}\r\nBcc: everyone@example.org` }).where("id", "=", subscription.id).execute();
    await enqueueEmail(db(), testEmail({ to: "ken@example.org", subscriptionId: subscription.id }));
    const leaky = async () => ({ subject: "Hello\r\nBcc: everyone@example.org\n", html: "<p>Hi</p>", text: "Hi" });
    expect(await worker({ render: leaky }).drainOnce()).toMatchObject({ sent: 1 });
    const [delivery] = resend.deliveries;
    expect(delivery!.subject).toBe("Hello Bcc: everyone@example.org");
    for (const value of Object.values(delivery!.headers)) expect(value).not.toMatch(/[\r\n]/);
    expect(delivery!.headers["List-Unsubscribe"]).toBe(`<https://tomoni.test/unsubscribe/${"t".repeat(40)}%0D%0ABcc%3A%20everyone%40example.org>`);
  });

  it("does not send an update whose subscription has gone", async () => {
    const subscription = await createTestSubscription(db(), "ken@example.org");
    await enqueueEmail(db(), testEmail({ to: "ken@example.org", subscriptionId: subscription.id }));
    // Organisation deleted: its subscriptions cascade, the outbox row keeps a NULL subscription.
    // (As a kind other than "test", which alone may go without one.)
    await db().deleteFrom("organisations").where("id", "=", subscription.organisation_id).execute();
    await db().updateTable("outbox_emails").set({ kind: "need-update" }).execute();
    expect(await worker().drainOnce()).toMatchObject({ calls: 0, suppressed: 1 });
    expect((await outboxRows(db()))[0]).toMatchObject({ status: "suppressed", last_error: "no subscription" });
  });

  it("suppresses at send time, with the reason, without calling the provider", async () => {
    const subscription = await createTestSubscription(db(), "gone@example.org");
    await enqueueEmail(db(), testEmail({ to: "gone@example.org", subscriptionId: subscription.id, idempotencyKey: "update:1" }));
    await enqueueEmail(db(), testEmail({ to: "Bounced@Example.org", transactional: true, idempotencyKey: "receipt:1" }));
    await enqueueEmail(db(), testEmail({ to: "fine@example.org", transactional: true, idempotencyKey: "receipt:2" }));
    // Both land after the enqueue, while the emails wait.
    await addSuppression(db(), { email: "gone@example.org", scope: `organisation:${subscription.organisation_id}`, reason: "unsubscribed" });
    await addSuppression(db(), { email: "bounced@example.org", scope: "all", reason: "bounced" });

    const result = await worker().drainOnce();
    expect(result).toMatchObject({ calls: 1, sent: 1, suppressed: 2 });
    expect(resend.deliveries.map((d) => d.to[0])).toEqual(["fine@example.org"]);
    const rows = await outboxRows(db());
    expect(rows.map((r) => [r.idempotency_key, r.status, r.last_error])).toEqual([
      ["update:1", "suppressed", "unsubscribed"],
      ["receipt:1", "suppressed", "bounced"],
      ["receipt:2", "sent", null],
    ]);
  });

  it("sends a fan-out of 250 in batch calls of 100, 100 and 50, each under its own key, and never again", async () => {
    const subscription = await createTestSubscription(db(), "list@example.org");
    await db()
      .transaction()
      .execute(async (trx) => {
        for (let i = 0; i < 250; i++) {
          await enqueueEmail(
            trx,
            testEmail({ to: `backer${i}@example.org`, idempotencyKey: `update:9:backer${i}`, subscriptionId: subscription.id, batchKey: "update:9" }),
          );
        }
      });
    const rows = await outboxRows(db());
    const w = worker();
    const first = await w.drainOnce();
    expect(first).toMatchObject({ calls: 3, sent: 250 });
    expect(resend.calls.map((c) => [c.endpoint, c.count])).toEqual([
      ["/emails/batch", 100],
      ["/emails/batch", 100],
      ["/emails/batch", 50],
    ]);
    const keys = resend.calls.map((c) => c.idempotencyKey);
    expect(keys).toEqual([`batch:update:9:${rows[0]!.id}`, `batch:update:9:${rows[100]!.id}`, `batch:update:9:${rows[200]!.id}`]);

    const after = await outboxRows(db());
    expect(after.every((r) => r.status === "sent" && r.provider_message_id)).toBe(true);
    expect(new Set(after.map((r) => r.provider_message_id)).size).toBe(250);
    // The key of the call that carried each row is written on it.
    expect(after.slice(100, 200).every((r) => r.send_key === keys[1])).toBe(true);
    // Each row's provider id is the id Resend gave that recipient.
    const byId = new Map(resend.deliveries.map((d) => [d.id, d.to[0]]));
    expect(after.every((r) => byId.get(r.provider_message_id!) === r.recipient)).toBe(true);

    expect(await w.drainOnce()).toMatchObject({ calls: 0 });
    expect(resend.calls).toHaveLength(3);
    expect(resend.deliveries).toHaveLength(250);
  });

  it("re-sends a single email after a worker died past Resend's acceptance: same key, one delivery", async () => {
    await enqueueEmail(db(), testEmail({ idempotencyKey: "receipt:crash" }));
    const clock = testClock();
    // The first worker "dies" after Resend accepted: it never gets to record anything.
    const accepted = gate();
    const never = gate();
    const real = createResendTransport(env);
    const dying: EmailTransport = {
      name: "resend",
      send: async (email, key) => {
        await real.send(email, key);
        accepted.open();
        await never.promise;
        throw new Error("unreachable: this worker was killed");
      },
      sendBatch: () => Promise.reject(new Error("not used")),
    };
    void worker({ transport: dying, now: clock.now }).drainOnce();
    await accepted.promise;
    expect((await outboxRows(db()))[0]).toMatchObject({ status: "sending", attempts: 1 });

    // Before the lease runs out nobody touches the row; after it, another worker does.
    const rescuer = worker({ now: clock.now });
    clock.advance(4_000);
    expect(await rescuer.drainOnce()).toMatchObject({ calls: 0 });
    clock.advance(1_500);
    expect(await rescuer.drainOnce()).toMatchObject({ calls: 1, sent: 1 });

    expect(resend.calls.map((c) => [c.idempotencyKey, c.replayed])).toEqual([
      ["receipt:crash", false],
      ["receipt:crash", true],
    ]);
    expect(resend.deliveries).toHaveLength(1);
    const [row] = await outboxRows(db());
    expect(row).toMatchObject({ status: "sent", attempts: 2, provider_message_id: resend.deliveries[0]!.id });
  });

  it("re-sends a batch group after a crash as exactly the same call, and a stale worker's late result changes nothing", async () => {
    const subscription = await createTestSubscription(db(), "list@example.org");
    for (let i = 0; i < 5; i++) {
      await enqueueEmail(db(), testEmail({ to: `b${i}@example.org`, idempotencyKey: `u:${i}`, subscriptionId: subscription.id, batchKey: "update:3" }));
    }
    const clock = testClock();
    const accepted = gate();
    const resume = gate();
    const real = createResendTransport(env);
    const stalled: EmailTransport = {
      name: "resend",
      send: () => Promise.reject(new Error("not used")),
      sendBatch: async (emails, key) => {
        // Resend accepted, then this worker froze past its lease (a GC pause, a lost network).
        await real.sendBatch(emails, key);
        accepted.open();
        await resume.promise;
        return { ok: false, status: 500, retryable: true, message: "500 internal_server_error: stale" };
      },
    };
    const stale = worker({ transport: stalled, now: clock.now }).drainOnce();
    await accepted.promise;
    // An unsubscribe lands meanwhile; the replay still carries the same five (see sealed groups).
    await addSuppression(db(), { email: "b2@example.org", scope: `organisation:${subscription.organisation_id}`, reason: "unsubscribed" });

    // Past the lease a second worker replays the call; while it is still recording, the stale
    // worker wakes up and reports its failure: the claim is no longer its own, so nothing changes.
    clock.advance(6_000);
    const replayed = gate();
    const record = gate();
    const rescuing = worker({
      now: clock.now,
      transport: {
        ...real,
        sendBatch: async (emails, key) => {
          const outcome = await real.sendBatch(emails, key);
          replayed.open();
          await record.promise;
          return outcome;
        },
      },
    }).drainOnce();
    await replayed.promise;
    resume.open();
    expect(await stale).toMatchObject({ calls: 1, sent: 0, retried: 0, dead: 0 });
    expect((await outboxRows(db())).map((r) => [r.status, r.attempts])).toEqual(Array(5).fill(["sending", 2]));
    record.open();
    expect(await rescuing).toMatchObject({ calls: 1, sent: 5 });

    expect(resend.calls.map((c) => [c.endpoint, c.count, c.replayed, c.status])).toEqual([
      ["/emails/batch", 5, false, 200],
      ["/emails/batch", 5, true, 200],
    ]);
    expect(resend.calls[0]!.idempotencyKey).toBe(resend.calls[1]!.idempotencyKey);
    expect(resend.deliveries).toHaveLength(5);
    const rows = await outboxRows(db());
    expect(rows.map((r) => r.status)).toEqual(["sent", "sent", "sent", "sent", "sent"]);
    expect(rows.map((r) => r.provider_message_id)).toEqual(resend.deliveries.map((d) => d.id));
  });

  it("counts a row as due within the same millisecond, though the database keeps microseconds", async () => {
    await enqueueEmail(db(), testEmail({ idempotencyKey: "same-ms" }));
    await sql`UPDATE outbox_emails SET next_attempt_at = '2030-01-01T00:00:00.123456Z'`.execute(db());
    const clock = testClock(new Date("2030-01-01T00:00:00.122Z"));
    expect(await worker({ now: clock.now }).drainOnce()).toMatchObject({ calls: 0 });
    clock.advance(1);
    expect(await worker({ now: clock.now }).drainOnce()).toMatchObject({ calls: 1, sent: 1 });
  });

  it("waits out a 429's retry-after, holding every worker back, then sends", async () => {
    await enqueueEmail(db(), testEmail({ idempotencyKey: "receipt:429" }));
    resend.failNext(1, { status: 429, retryAfter: 2 });
    const clock = testClock();
    const w = worker({ now: clock.now });
    expect(await w.drainOnce()).toMatchObject({ calls: 1, sent: 0, retried: 1 });

    const [waiting] = await outboxRows(db());
    expect(waiting).toMatchObject({ status: "queued", attempts: 1 });
    expect(waiting!.last_error).toMatch(/^429 rate_limit_exceeded/);
    expect(waiting!.next_attempt_at.getTime()).toBe(clock.now().getTime() + 2_000);
    // The pause is shared: no worker anywhere gets a slot for about two seconds.
    const { rows } = await sql<{ ahead: number }>`SELECT extract(epoch FROM (next_slot - now()))::float8 AS ahead FROM email_send_pacing`.execute(db());
    expect(rows[0]!.ahead).toBeGreaterThan(1.5);

    clock.advance(1_900);
    expect(await w.drainOnce()).toMatchObject({ calls: 0 });
    // Skip the real two seconds of the shared pause; the row's own wait is what we test next.
    await resetPacing(db());
    clock.advance(200);
    expect(await w.drainOnce()).toMatchObject({ calls: 1, sent: 1 });
    expect(resend.calls.map((c) => [c.status, c.idempotencyKey])).toEqual([
      [429, "receipt:429"],
      [200, "receipt:429"],
    ]);
    expect((await outboxRows(db()))[0]).toMatchObject({ status: "sent", attempts: 2, last_error: null });
  });

  it("retries 5xx with growing delays and gives up after EMAIL_MAX_ATTEMPTS with the last error", async () => {
    await enqueueEmail(db(), testEmail({ idempotencyKey: "receipt:500" }));
    resend.failNext(5, { status: 500 });
    const clock = testClock();
    const w = worker({ now: clock.now });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const result = await w.drainOnce();
      expect(result.calls).toBe(1);
      const [row] = await outboxRows(db());
      expect(row!.attempts).toBe(attempt);
      if (attempt < 5) {
        expect(row!.status).toBe("queued");
        delays.push(row!.next_attempt_at.getTime() - clock.now().getTime());
        // Not a moment early.
        clock.set(new Date(row!.next_attempt_at.getTime() - 1));
        expect(await w.drainOnce()).toMatchObject({ calls: 0 });
        clock.advance(1);
      } else {
        expect(result.dead).toBe(1);
        expect(row).toMatchObject({ status: "dead", last_error: "500 internal_server_error: An unexpected error occurred." });
      }
    }
    expect(delays).toHaveLength(4);
    for (let i = 1; i < delays.length; i++) expect(delays[i]!).toBeGreaterThan(delays[i - 1]!);
    expect(resend.calls.map((c) => c.status)).toEqual([500, 500, 500, 500, 500]);
    expect(resend.deliveries).toHaveLength(0);
    expect(await w.drainOnce()).toMatchObject({ calls: 0 });
  });

  it("retries network failures, and a refused request (422) is dead at once", async () => {
    await enqueueEmail(db(), testEmail({ idempotencyKey: "a" }));
    resend.failNext(1, { network: true });
    const clock = testClock();
    const w = worker({ now: clock.now });
    expect(await w.drainOnce()).toMatchObject({ calls: 1, retried: 1 });
    expect((await outboxRows(db()))[0]!.last_error).toMatch(/^network /);
    clock.advance(60_000);
    expect(await w.drainOnce()).toMatchObject({ calls: 1, sent: 1 });

    await enqueueEmail(db(), testEmail({ idempotencyKey: "b" }));
    resend.failNext(1, { status: 422, name: "invalid_from_address", message: "Invalid `from` field." });
    expect(await w.drainOnce()).toMatchObject({ calls: 1, dead: 1, retried: 0 });
    const b = (await outboxRows(db())).find((r) => r.idempotency_key === "b");
    expect(b).toMatchObject({ status: "dead", attempts: 1, last_error: "422 invalid_from_address: Invalid `from` field." });
  });

  it("backs off exponentially with jitter", () => {
    expect(retryDelayMs(1, () => 0.5)).toBe(5_000);
    expect(retryDelayMs(2, () => 0.5)).toBe(10_000);
    expect(retryDelayMs(3, () => 0)).toBe(15_000);
    expect(retryDelayMs(3, () => 1)).toBe(25_000);
    expect(retryDelayMs(40, () => 0.5)).toBe(30 * 60_000);
  });
});

describe("pacing", () => {
  it("spaces the calls of two workers by the shared rate", async () => {
    const paced = emailTestEnv({ EMAIL_RATE_PER_SECOND: "20" });
    const n = 10;
    for (let i = 0; i < n; i++) await enqueueEmail(db(), testEmail({ to: `p${i}@example.org`, idempotencyKey: `p:${i}` }));
    await resetPacing(db());
    const { rows } = await sql<{ now: Date }>`SELECT now() AS now`.execute(db());
    const started = Date.now();
    const results = await Promise.all([worker({ env: paced }).drainOnce(), worker({ env: paced }).drainOnce()]);
    const elapsed = Date.now() - started;

    expect(results[0]!.calls + results[1]!.calls).toBe(n);
    expect(resend.deliveries).toHaveLength(n);
    // Each call took the next 50 ms slot of the one shared row.
    const nextSlot = await nextSendSlot(db());
    expect(nextSlot.getTime() - new Date(rows[0]!.now).getTime()).toBeGreaterThanOrEqual(n * 50);
    expect(elapsed).toBeGreaterThanOrEqual(((n - 1) / 20) * 1000 - 5);
  });
});

describe("pacing at the provider's limit", () => {
  it("never makes more than EMAIL_RATE_PER_SECOND calls in any sliding second, with two workers", async () => {
    const rate = 20;
    const paced = emailTestEnv({ EMAIL_RATE_PER_SECOND: String(rate) });
    const n = 45;
    for (let i = 0; i < n; i++) await enqueueEmail(db(), testEmail({ to: `w${i}@example.org`, idempotencyKey: `w:${i}` }));
    await resetPacing(db());
    // What a strict limiter sees: the moment each call reaches the provider.
    const arrivals: number[] = [];
    const transport: EmailTransport = {
      name: "resend",
      async send() {
        arrivals.push(performance.now());
        // Calls take a varying while, as real ones do.
        await new Promise((resolve) => setTimeout(resolve, arrivals.length % 3 === 0 ? 25 : 1));
        return { ok: true, ids: [`id-${arrivals.length}`] };
      },
      sendBatch: () => Promise.reject(new Error("not used")),
    };
    const results = await Promise.all([worker({ env: paced, transport }).drainOnce(), worker({ env: paced, transport }).drainOnce()]);
    expect(results[0]!.sent + results[1]!.sent).toBe(n);
    arrivals.sort((a, b) => a - b);
    // rate + 1 calls always span more than a second: at most `rate` in any sliding second.
    for (let i = 0; i + rate < arrivals.length; i++) expect(arrivals[i + rate]! - arrivals[i]!).toBeGreaterThan(1000);
    // And not much slower than the limit: the allowance is a few percent.
    expect(arrivals.at(-1)! - arrivals[0]!).toBeLessThan(((n - 1) / rate) * 1000 * 1.15);
  });
});

describe("start and stop", () => {
  it("gives a claimed email back, unsent, when stopped while waiting for its slot", async () => {
    await enqueueEmail(db(), testEmail({ idempotencyKey: "waiting" }));
    await pauseSending(db(), 2);
    const w = worker();
    const draining = w.drainOnce();
    for (let i = 0; i < 100 && (await outboxRows(db()))[0]!.status !== "sending"; i++) await new Promise((r) => setTimeout(r, 10));
    await w.stop();
    expect(await draining).toMatchObject({ calls: 0, sent: 0 });
    expect(resend.calls).toHaveLength(0);
    expect((await outboxRows(db()))[0]).toMatchObject({ status: "queued", attempts: 0, lease_expires_at: null });
  });


  it("polls until stopped, and stop waits for the email in flight", async () => {
    const polling = emailTestEnv({ EMAIL_POLL_MS: "50" });
    const inCall = gate();
    const finish = gate();
    const real = createResendTransport(polling);
    const slow: EmailTransport = {
      name: "resend",
      send: async (email, key) => {
        inCall.open();
        await finish.promise;
        return real.send(email, key);
      },
      sendBatch: (emails, key) => real.sendBatch(emails, key),
    };
    const w = worker({ env: polling, transport: slow });
    w.start();
    await enqueueEmail(db(), testEmail({ idempotencyKey: "polled" }));
    await inCall.promise;
    let stopped = false;
    const stopping = w.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    finish.open();
    await stopping;
    expect((await outboxRows(db()))[0]).toMatchObject({ status: "sent" });

    // Stopped means stopped: nothing more goes out.
    await enqueueEmail(db(), testEmail({ idempotencyKey: "after-stop" }));
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(resend.deliveries).toHaveLength(1);
  });
});
