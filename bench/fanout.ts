import { sql } from "kysely";
import type { Database } from "~/db.server";
import { cpuSplit, type ChildServer, type CpuSplit } from "./child";
import type { FakeResend } from "./fake-resend";
import { checkoutCompleted, createLiveNeed, createOrganisation, insertPendingDonations, insertSucceededDonations, sign } from "./fixtures";
import { createPoster } from "./http";

/**
 * Goal-met fan-out: a need with `backers` backers (succeeded ¥1,000 donations from as many
 * addresses, written directly) stands ¥500 below its goal; one more signed
 * checkout.session.completed — from an existing backer, so the backers stay `backers` — crosses
 * it. Enqueue time: from posting that event to its 200, in whose transaction every goal-met
 * row is written. Send time: from that 200 until the fake Resend server has accepted every
 * goal-met email, sent by the server's inline outbox worker through the batch endpoint at
 * EMAIL_RATE_PER_SECOND. Then: exactly the expected addresses, none twice.
 */

export interface FanoutResult {
  backers: number;
  organisers: number;
  expectedRecipients: number;
  enqueueSeconds: number;
  webhookBody: string;
  goalMetRows: number;
  sendSeconds: number;
  /** From posting the event to the last batch accepted. */
  totalSeconds: number;
  idealSendSeconds: number;
  ratePerSecond: number;
  provider: {
    batchCalls: number;
    singleCalls: number;
    batchEmails: number;
    rateLimited: number;
    replayed: number;
    rejected: number;
    maxPerSecond: number;
    effectiveCallsPerSecond: number;
  };
  duplicates: number;
  missing: number;
  unexpected: number;
  outboxSent: number;
  exact: boolean;
  /** CPU use while the worker sent (from the need seen funded to the last batch). */
  sendCpu: CpuSplit;
}

export async function benchFanout(
  db: Database,
  server: ChildServer,
  secret: string,
  fake: FakeResend,
  options: { backers: number; organisers: number; ratePerSecond: number; timeoutSeconds: number },
): Promise<FanoutResult> {
  const gift = 1_000;
  const org = await createOrganisation(db, { slug: "bench-fanout", organisers: options.organisers });
  const need = await createLiveNeed(db, org.id, { slug: "bench-fanout-need", goal: options.backers * gift + 500 });
  await insertSucceededDonations(db, need.id, org.accountId, options.backers, gift);
  const [crossing] = await insertPendingDonations(db, need.id, org.accountId, [{ amount: gift, feeCover: 0, email: "backer-0@bench.example", locale: "en" }]);
  const event = sign(checkoutCompleted(crossing!), secret);
  const expected = new Set([...Array.from({ length: options.backers }, (_, i) => `backer-${i}@bench.example`), ...org.organiserEmails.map((e) => e.toLowerCase())]);

  const poster = createPoster(server.url, 1);
  const started = performance.now();
  const response = await poster.post("/webhooks/stripe", event.payload, { "stripe-signature": event.signature });
  poster.close();
  if (response.status !== 200) throw new Error(`the crossing event answered ${response.status}: ${response.body}`);
  // The endpoint answers once the event has committed; the goal check after it funds the need and
  // queues every goal-met email in one transaction. Enqueued = when the funded need is visible.
  const enqueued = await whenFunded(db, need.id, options.timeoutSeconds * 1000);

  const rows = await sql<{ n: string }>`SELECT count(*) AS n FROM outbox_emails WHERE batch_key = ${`goal-met:${need.id}`}`.execute(db);
  const goalMetRows = Number(rows.rows[0]!.n);

  const { result: lastAccepted, cpu: sendCpu } = await cpuSplit(server.pid, () =>
    fake.waitForBatchEmails(expected.size, options.timeoutSeconds * 1000).catch((error: unknown) => {
      console.warn(`  fan-out: ${(error as Error).message}`);
      return Date.now();
    }),
  );
  const doneAt = performance.now() - (Date.now() - lastAccepted);

  // The worker marks rows sent after the provider's answer: give it a moment to record the last batch.
  let outboxSent = 0;
  for (let i = 0; i < 50; i++) {
    const sent = await sql<{ n: string }>`SELECT count(*) AS n FROM outbox_emails WHERE batch_key = ${`goal-met:${need.id}`} AND status = 'sent'`.execute(db);
    outboxSent = Number(sent.rows[0]!.n);
    if (outboxSent >= goalMetRows) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  let duplicates = 0;
  let unexpected = 0;
  for (const [address, count] of fake.batchRecipients) {
    if (count > 1) duplicates += 1;
    if (!expected.has(address)) unexpected += 1;
  }
  const missing = [...expected].filter((address) => !fake.batchRecipients.has(address)).length;
  const stats = fake.stats();
  const sendSeconds = (doneAt - enqueued) / 1000;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    backers: options.backers,
    organisers: options.organisers,
    expectedRecipients: expected.size,
    enqueueSeconds: round((enqueued - started) / 1000),
    webhookBody: response.body,
    goalMetRows,
    sendSeconds: round(sendSeconds),
    totalSeconds: round((doneAt - started) / 1000),
    idealSendSeconds: round(Math.ceil(expected.size / 100) / options.ratePerSecond),
    ratePerSecond: options.ratePerSecond,
    provider: {
      batchCalls: stats.batchCalls,
      singleCalls: stats.singleCalls,
      batchEmails: stats.batchEmails,
      rateLimited: stats.rateLimited,
      replayed: stats.replayed,
      rejected: stats.rejected,
      maxPerSecond: stats.maxPerSecond,
      effectiveCallsPerSecond: sendSeconds > 0 ? round(stats.batchCalls / sendSeconds) : 0,
    },
    duplicates,
    missing,
    unexpected,
    outboxSent,
    sendCpu,
    exact: goalMetRows === expected.size && duplicates === 0 && missing === 0 && unexpected === 0 && outboxSent === expected.size,
  };
}

/** performance.now() when the need is first seen funded, polled every 5 ms. */
async function whenFunded(db: Database, needId: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const row = await db.selectFrom("needs").where("id", "=", needId).select("status").executeTakeFirstOrThrow();
    if (row.status === "funded") return performance.now();
    if (performance.now() > deadline) throw new Error(`need ${needId} was not funded within ${timeoutMs} ms of the crossing event`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
