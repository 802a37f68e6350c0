import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "~/db.server";
import { createResendTransport } from "~/email/transport.server";
import { createOutboxWorker } from "~/email/worker.server";
import { enqueueEmail } from "~/models/outbox.server";
import { reserveSendSlot } from "~/models/send-pacing.server";
import { createResendMock, type ResendMock } from "../mocks/resend";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { mswServer } from "../support/msw";
import { createTestSubscription, emailTestEnv, outboxRows, resetPacing, silentLogger } from "../support/outbox";

/**
 * Workers in separate processes, as production runs them: each worker here has its own
 * connection pool, so their transactions really interleave (PGlite has one connection and
 * would serialise them).
 */
describe.runIf(onPostgres)("outbox workers in parallel on PostgreSQL", () => {
  let database: TestDatabase;
  let pools: Database[];
  let resend: ResendMock;
  const env = emailTestEnv();

  beforeAll(async () => {
    database = await createTestDatabase();
    pools = [createDatabase({ url: database.url, poolSize: 5 }), createDatabase({ url: database.url, poolSize: 5 })];
  });
  afterAll(async () => {
    await Promise.all(pools?.map((p) => p.destroy()) ?? []);
    await database?.destroy();
  });
  beforeEach(async () => {
    await database.db.deleteFrom("outbox_emails").execute();
    await resetPacing(database.db);
    resend = createResendMock();
    mswServer.use(...resend.handlers);
  });

  const workerOn = (db: Database) => createOutboxWorker({ db, env, logger: silentLogger, transport: createResendTransport(env) });

  it("two workers draining the same 500 emails send each exactly once", async () => {
    await database.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 500; i++) {
        await enqueueEmail(trx, { kind: "test", to: `r${i}@example.org`, locale: i % 2 ? "ja" : "en", props: {}, idempotencyKey: `t:${i}`, transactional: true });
      }
    });
    const [a, b] = await Promise.all(pools.map((db) => workerOn(db).drainOnce()));

    // Both really worked, and between them every row went out once.
    expect(a!.calls).toBeGreaterThan(50);
    expect(b!.calls).toBeGreaterThan(50);
    expect(a!.calls + b!.calls).toBe(500);
    expect(a!.sent + b!.sent).toBe(500);
    expect(resend.calls).toHaveLength(500);
    expect(resend.calls.every((c) => !c.replayed && c.status === 200)).toBe(true);
    expect(new Set(resend.calls.map((c) => c.idempotencyKey)).size).toBe(500);
    expect(resend.deliveries).toHaveLength(500);
    const rows = await outboxRows(database.db);
    expect(rows.every((r) => r.status === "sent" && r.attempts === 1)).toBe(true);
  });

  it("two workers share out a fan-out by whole batch calls, never a recipient twice", async () => {
    const subscription = await createTestSubscription(database.db, "list@example.org");
    await database.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 450; i++) {
        await enqueueEmail(trx, { kind: "test", to: `f${i}@example.org`, locale: "en", props: {}, idempotencyKey: `f:${i}`, subscriptionId: subscription.id, batchKey: `update:${i % 3}` });
      }
    });
    const results = await Promise.all(pools.map((db) => workerOn(db).drainOnce()));
    expect(results[0]!.sent + results[1]!.sent).toBe(450);
    expect(resend.calls.every((c) => c.endpoint === "/emails/batch" && c.count <= 100 && !c.replayed)).toBe(true);
    expect(resend.deliveries).toHaveLength(450);
    expect(new Set(resend.deliveries.flatMap((d) => d.to)).size).toBe(450);
    const rows = await outboxRows(database.db);
    // A call's key is written on exactly the rows it carried.
    for (const call of resend.calls) expect(rows.filter((r) => r.send_key === call.idempotencyKey)).toHaveLength(call.count);
  });

  it("hands out distinct, evenly spaced slots to concurrent reservations from both pools", async () => {
    const intervalMs = 50;
    const slots = (await Promise.all(Array.from({ length: 30 }, (_, i) => reserveSendSlot(pools[i % 2]!, intervalMs)))).map((s) => s.slot.getTime());
    slots.sort((x, y) => x - y);
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(intervalMs);
    const { rows } = await sql<{ next: Date }>`SELECT next_slot AS next FROM email_send_pacing`.execute(database.db);
    expect(new Date(rows[0]!.next).getTime()).toBe(slots.at(-1)! + intervalMs);
  });
});
