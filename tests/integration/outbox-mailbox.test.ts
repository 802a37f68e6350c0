import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseEnv } from "~/env.server";
import { createMailboxTransport, createTransport, type EmailTransport } from "~/email/transport.server";
import { createOutboxWorker } from "~/email/worker.server";
import { enqueueEmail } from "~/models/outbox.server";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { createTestSubscription, emailTestEnv, gate, outboxRows, resetPacing, silentLogger, testClock } from "../support/outbox";

let database: TestDatabase;
// No RESEND_API_KEY: the local mailbox, as in development.
const env = emailTestEnv({ RESEND_API_KEY: "" });

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.destroy();
});
beforeEach(async () => {
  for (const table of ["outbox_emails", "mailbox_messages", "subscriptions", "organisations"] as const) {
    await database.db.deleteFrom(table).execute();
  }
  await resetPacing(database.db);
});

const db = () => database.db;
const mailbox = () => db().selectFrom("mailbox_messages").selectAll().orderBy("id").execute();

/** Delivers for real, then freezes like a killed process: it never records anything. */
function killedAfterDelivery(real: EmailTransport) {
  const delivered = gate();
  const never = new Promise<never>(() => {});
  const transport: EmailTransport = {
    name: real.name,
    send: async (email, key) => {
      await real.send(email, key);
      delivered.open();
      return never;
    },
    sendBatch: async (emails, key) => {
      await real.sendBatch(emails, key);
      delivered.open();
      return never;
    },
  };
  return { transport, delivered: delivered.promise };
}

describe(`local mailbox transport on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("is the transport without a Resend key, and stores what the worker sends", async () => {
    const transport = createTransport(env, db());
    expect(transport.name).toBe("mailbox");
    const subscription = await createTestSubscription(db(), "mika@example.org");
    await enqueueEmail(db(), { kind: "test", to: "mika@example.org", locale: "ja", props: { name: "美香" }, idempotencyKey: "hello:mika", subscriptionId: subscription.id });

    const result = await createOutboxWorker({ db: db(), env, logger: silentLogger, transport }).drainOnce();
    expect(result).toMatchObject({ calls: 1, sent: 1 });
    const [message] = await mailbox();
    expect(message).toMatchObject({
      idempotency_key: "hello:mika",
      sender: "Tomoni <no-reply@tomoni.test>",
      recipient: "mika@example.org",
      locale: "ja",
    });
    expect(message!.subject).toContain("美香");
    expect(message!.html).toContain(`/unsubscribe/${subscription.token}`);
    expect(message!.headers).toEqual({
      "List-Unsubscribe": `<https://tomoni.test/unsubscribe/${subscription.token}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    });
    expect((await outboxRows(db()))[0]).toMatchObject({ status: "sent", provider_message_id: message!.message_id });
  });

  it("stores an email once when a killed worker's email is sent again after its lease", async () => {
    await enqueueEmail(db(), { kind: "test", to: "ken@example.org", locale: "en", props: {}, idempotencyKey: "receipt:7", transactional: true });
    const clock = testClock();
    const killed = killedAfterDelivery(createMailboxTransport(env, db()));
    void createOutboxWorker({ db: db(), env, logger: silentLogger, transport: killed.transport, now: clock.now }).drainOnce();
    await killed.delivered;
    expect(await mailbox()).toHaveLength(1);

    clock.advance(env.EMAIL_LEASE_SECONDS * 1000 + 1);
    const rescuer = createOutboxWorker({ db: db(), env, logger: silentLogger, transport: createMailboxTransport(env, db()), now: clock.now });
    expect(await rescuer.drainOnce()).toMatchObject({ calls: 1, sent: 1 });

    const messages = await mailbox();
    expect(messages).toHaveLength(1);
    expect((await outboxRows(db()))[0]).toMatchObject({ status: "sent", attempts: 2, provider_message_id: messages[0]!.message_id });
  });

  it("stores a batch group once when it is sent again after a crash", async () => {
    const subscription = await createTestSubscription(db(), "list@example.org");
    for (let i = 0; i < 3; i++) {
      await enqueueEmail(db(), { kind: "test", to: `b${i}@example.org`, locale: "en", props: {}, idempotencyKey: `u:${i}`, subscriptionId: subscription.id, batchKey: "update:1" });
    }
    const clock = testClock();
    const killed = killedAfterDelivery(createMailboxTransport(env, db()));
    void createOutboxWorker({ db: db(), env, logger: silentLogger, transport: killed.transport, now: clock.now }).drainOnce();
    await killed.delivered;

    clock.advance(env.EMAIL_LEASE_SECONDS * 1000 + 1);
    const rescuer = createOutboxWorker({ db: db(), env, logger: silentLogger, transport: createMailboxTransport(env, db()), now: clock.now });
    expect(await rescuer.drainOnce()).toMatchObject({ calls: 1, sent: 3 });
    const messages = await mailbox();
    expect(messages.map((m) => m.recipient)).toEqual(["b0@example.org", "b1@example.org", "b2@example.org"]);
    const rows = await outboxRows(db());
    expect(rows.map((r) => r.provider_message_id)).toEqual(messages.map((m) => m.message_id));
  });

  it("refuses to run in production", () => {
    expect(() => createMailboxTransport({ isProduction: true }, db())).toThrow(/RESEND_API_KEY is required in production/);
    // Configuration already refuses production without a key; the transport refuses too.
    const base = { NODE_ENV: "production", APP_URL: "https://tomoni.example", SESSION_SECRET: "s".repeat(32) };
    expect(() => parseEnv(base)).toThrow(/RESEND_API_KEY is required when NODE_ENV=production/);
    const production = parseEnv({ ...base, RESEND_API_KEY: "re_live_key", DEMO_PAYMENTS: "1" });
    expect(() => createTransport({ ...production, RESEND_API_KEY: undefined }, db())).toThrow(/RESEND_API_KEY is required in production/);
    expect(createTransport(production, db()).name).toBe("resend");
  });
});
