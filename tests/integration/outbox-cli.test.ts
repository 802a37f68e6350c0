import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runOutboxCli } from "~/email/outbox-cli";
import { createResendTransport } from "~/email/transport.server";
import { createOutboxWorker } from "~/email/worker.server";
import { enqueueEmail } from "~/models/outbox.server";
import { createResendMock, type ResendMock } from "../mocks/resend";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { mswServer } from "../support/msw";
import { createTestSubscription, emailTestEnv, outboxRows, resetPacing, silentLogger, testClock } from "../support/outbox";

let database: TestDatabase;
let resend: ResendMock;
const env = emailTestEnv({ EMAIL_MAX_ATTEMPTS: "1" });

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.destroy();
});
beforeEach(async () => {
  await database.db.deleteFrom("outbox_emails").execute();
  await resetPacing(database.db);
  resend = createResendMock();
  mswServer.use(...resend.handlers);
});

const db = () => database.db;

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runOutboxCli(args, db(), { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe(`outbox operator commands on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("shows counts by status and the dead emails with their errors", async () => {
    await enqueueEmail(db(), { kind: "test", to: "ok@example.org", locale: "en", props: {}, idempotencyKey: "ok", transactional: true });
    await enqueueEmail(db(), { kind: "test", to: "kaput@example.org", locale: "en", props: {}, idempotencyKey: "kaput", transactional: true });
    await enqueueEmail(db(), { kind: "test", to: "later@example.org", locale: "en", props: {}, idempotencyKey: "later", transactional: true });
    resend.failNext(1, { status: 500 });
    const clock = testClock();
    // One call each: ok is sent, kaput dies on its only attempt; "later" is not due yet.
    await db().updateTable("outbox_emails").set({ next_attempt_at: new Date(clock.now().getTime() + 60_000) }).where("idempotency_key", "=", "later").execute();
    await db().updateTable("outbox_emails").set({ next_attempt_at: new Date(clock.now().getTime() - 1_000) }).where("idempotency_key", "=", "kaput").execute();
    await createOutboxWorker({ db: db(), env, logger: silentLogger, transport: createResendTransport(env), now: clock.now }).drainOnce();

    const { code, out } = await cli("status");
    expect(code).toBe(0);
    expect(out).toMatch(/^queued\s+1$/m);
    expect(out).toMatch(/^sending\s+0$/m);
    expect(out).toMatch(/^sent\s+1$/m);
    expect(out).toMatch(/^dead\s+1$/m);
    expect(out).toMatch(/^suppressed\s+0$/m);
    const dead = (await outboxRows(db())).find((r) => r.status === "dead")!;
    expect(out).toContain(`#${dead.id}  test  k***@example.org  attempts=1`);
    expect(out).toContain("500 internal_server_error: An unexpected error occurred.");
    expect(out).not.toContain("kaput@example.org");
  });

  it("requeues a dead email with its key, which then goes out once", async () => {
    await enqueueEmail(db(), { kind: "test", to: "kaput@example.org", locale: "en", props: {}, idempotencyKey: "receipt:9", transactional: true });
    resend.failNext(1, { status: 503 });
    const worker = createOutboxWorker({ db: db(), env, logger: silentLogger, transport: createResendTransport(env) });
    expect(await worker.drainOnce()).toMatchObject({ dead: 1 });
    const [dead] = await outboxRows(db());

    const { code, out } = await cli("retry", String(dead!.id));
    expect(code).toBe(0);
    expect(out).toContain(`Email #${dead!.id} is queued again`);
    const [queued] = await outboxRows(db());
    expect(queued).toMatchObject({ status: "queued", attempts: 0, idempotency_key: "receipt:9", last_error: null });
    expect(queued!.next_attempt_at.getTime()).toBeLessThanOrEqual(Date.now());

    expect(await worker.drainOnce()).toMatchObject({ sent: 1 });
    expect(resend.calls.map((c) => c.idempotencyKey)).toEqual(["receipt:9", "receipt:9"]);
    expect(resend.deliveries).toHaveLength(1);
  });

  it("takes a dead batch row out of its old group, so it goes out in a call of its own", async () => {
    const subscription = await createTestSubscription(db(), "list@example.org", "cli-org");
    for (let i = 0; i < 3; i++) {
      await enqueueEmail(db(), { kind: "test", to: `b${i}@example.org`, locale: "en", props: {}, idempotencyKey: `u:${i}`, subscriptionId: subscription.id, batchKey: "update:5" });
    }
    resend.failNext(1, { status: 422, message: "refused" });
    const worker = createOutboxWorker({ db: db(), env, logger: silentLogger, transport: createResendTransport(env) });
    expect(await worker.drainOnce()).toMatchObject({ dead: 3 });
    const rows = await outboxRows(db());
    expect((await cli("retry", String(rows[1]!.id))).code).toBe(0);
    expect(await worker.drainOnce()).toMatchObject({ calls: 1, sent: 1 });
    expect(resend.calls.map((c) => [c.count, c.idempotencyKey])).toEqual([
      [3, `batch:update:5:${rows[0]!.id}`],
      [1, `batch:update:5:${rows[1]!.id}`],
    ]);
    expect(resend.deliveries.map((d) => d.to[0])).toEqual(["b1@example.org"]);
  });

  it("refuses bad ids and emails that are not dead or suppressed, with a non-zero exit", async () => {
    await enqueueEmail(db(), { kind: "test", to: "a@example.org", locale: "en", props: {}, idempotencyKey: "q", transactional: true });
    const [queued] = await outboxRows(db());
    expect(await cli("retry", "abc")).toMatchObject({ code: 1, err: expect.stringContaining('Not an outbox email id: "abc"') });
    expect(await cli("retry", "-3")).toMatchObject({ code: 1 });
    expect(await cli("retry", "1.5")).toMatchObject({ code: 1 });
    expect(await cli("retry", "99999999999999999999")).toMatchObject({ code: 1 });
    expect(await cli("retry", "987654")).toMatchObject({ code: 1, err: "No outbox email with id 987654." });
    expect(await cli("retry", String(queued!.id))).toMatchObject({ code: 1, err: `Email #${queued!.id} is queued: only dead or suppressed emails can be retried.` });
    expect(await cli("retry")).toMatchObject({ code: 2, err: expect.stringContaining("usage:") });
    expect(await cli("frobnicate")).toMatchObject({ code: 2 });
    expect((await outboxRows(db()))[0]).toMatchObject({ status: "queued", attempts: 0 });
  });
});

describe("the commands as npm runs them", () => {
  it("exit non-zero with one clear line for a bad id", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "app/email/outbox-cli.ts", "retry", "not-a-number"], {
      env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent", ...(database.url ? { DATABASE_URL: database.url } : { DATA_DIR: "memory://" }) } as unknown as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const [code] = await once(child, "exit");
    expect(code).toBe(1);
    expect(stderr).toContain('Not an outbox email id: "not-a-number"');
  });
});
