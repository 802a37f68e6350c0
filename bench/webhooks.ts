import { sql } from "kysely";
import type { Database } from "~/db.server";
import { getPublicNeed } from "~/models/needs.server";
import { checkoutCompleted, createLiveNeed, createOrganisation, insertPendingDonations, sign, type DonationSpec, type PendingDonation, type SignedEvent } from "./fixtures";
import { cpuSplit, type ChildServer, type CpuSplit } from "./child";
import { createPoster, percentile, pool } from "./http";

/**
 * Webhook ingestion: `events` signed checkout.session.completed deliveries, of which
 * `duplicateShare` re-send an event id already in the list (Stripe's at-least-once delivery),
 * shuffled and POSTed to /webhooks/stripe `concurrency` at a time. The headline run sends them
 * all to ONE need, the hardest case: every event takes that need's row lock (design.md,
 * "Concurrency trap"); a second run spreads them over many needs, which shows what that lock
 * costs. Goals are far above what the events add up to, so none is crossed here (the fan-out
 * test crosses one). Then raised and backers as the need page shows them (getPublicNeed) must
 * equal the sums of what was created, per need, and every event must be stored exactly once.
 */

export interface WebhookResult {
  /** Needs the events were spread over (1: every event contends for one need's lock). */
  needs: number;
  posted: number;
  uniqueEvents: number;
  duplicates: number;
  concurrency: number;
  seconds: number;
  eventsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  statuses: Record<string, number>;
  bodies: Record<string, number>;
  /** Summed over the needs; each need is also checked on its own. */
  expected: { raised: number; backers: number; feeCover: number };
  actual: { raised: number; backers: number; succeeded: number; storedEvents: number; receipts: number };
  needsExact: number;
  exact: boolean;
  cpu: CpuSplit;
}

export async function benchWebhooks(
  db: Database,
  server: ChildServer,
  secret: string,
  options: { events: number; duplicateShare: number; concurrency: number; needs: number; label: string },
): Promise<WebhookResult> {
  const unique = Math.round(options.events * (1 - options.duplicateShare));
  const duplicates = options.events - unique;

  const org = await createOrganisation(db, { slug: `bench-${options.label}`, organisers: 1 });
  const needs: Array<{ id: number; slug: string }> = [];
  for (let i = 0; i < options.needs; i++) needs.push(await createLiveNeed(db, org.id, { slug: `bench-${options.label}-need-${i}`, goal: 10_000_000_000 }));
  // Amounts from ¥500 to ¥10,400; every fifth donor covers the fee; 4 gifts in 5 from distinct
  // donors, the rest from earlier donors again, in upper case (backers are counted by lower(email)).
  const distinctDonors = Math.round(unique * 0.8);
  const specs: Array<DonationSpec & { need: number }> = Array.from({ length: unique }, (_, i) => {
    const amount = 500 + (i % 100) * 100;
    const donor = i % distinctDonors;
    return {
      need: i % options.needs,
      amount,
      feeCover: i % 5 === 0 ? Math.ceil(amount * 0.036) + 40 : 0,
      email: i < distinctDonors ? `donor-${donor}@bench.example` : `DONOR-${donor}@Bench.Example`,
      locale: i % 3 === 0 ? "ja" : "en",
    };
  });
  const donations: PendingDonation[] = [];
  for (const [index, need] of needs.entries()) {
    donations.push(...(await insertPendingDonations(db, need.id, org.accountId, specs.filter((s) => s.need === index))));
  }

  const originals: SignedEvent[] = donations.map((d) => sign(checkoutCompleted(d), secret));
  // A re-sent delivery is the same event: same id, same body.
  const resent: SignedEvent[] = Array.from({ length: duplicates }, (_, i) => originals[(i * 7919) % originals.length]!);
  const deliveries = shuffle([...originals, ...resent]);

  const poster = createPoster(server.url, options.concurrency);
  const started = performance.now();
  const { result: results, cpu } = await cpuSplit(server.pid, () =>
    pool(deliveries, options.concurrency, (e) => poster.post("/webhooks/stripe", e.payload, { "stripe-signature": e.signature })),
  );
  const seconds = (performance.now() - started) / 1000;
  poster.close();

  const statuses: Record<string, number> = {};
  const bodies: Record<string, number> = {};
  for (const r of results) {
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    bodies[r.body] = (bodies[r.body] ?? 0) + 1;
  }
  const latencies = results.map((r) => r.ms).sort((a, b) => a - b);

  // What each need must show: the sums of what was created for it, nothing else.
  const expected = { raised: 0, backers: 0, feeCover: 0 };
  const actualSums = { raised: 0, backers: 0 };
  let needsExact = 0;
  for (const [index, need] of needs.entries()) {
    const mine = specs.filter((s) => s.need === index);
    const want = { raised: mine.reduce((sum, s) => sum + s.amount, 0), backers: new Set(mine.map((s) => s.email.toLowerCase())).size };
    expected.raised += want.raised;
    expected.backers += want.backers;
    expected.feeCover += mine.reduce((sum, s) => sum + s.feeCover, 0);
    // As the need page shows them.
    const shown = await getPublicNeed(db, need.slug);
    actualSums.raised += shown?.raised ?? 0;
    actualSums.backers += shown?.backers ?? 0;
    if (shown?.raised === want.raised && shown.backers === want.backers) needsExact += 1;
  }
  const needIds = needs.map((n) => n.id);
  const counts = await sql<{ succeeded: string; events: string; receipts: string }>`
    SELECT (SELECT count(*) FROM donations WHERE need_id IN (${sql.join(needIds)}) AND status = 'succeeded') AS succeeded,
           (SELECT count(*) FROM stripe_events e JOIN donations d ON d.id = e.donation_id WHERE d.need_id IN (${sql.join(needIds)})) AS events,
           (SELECT count(*) FROM outbox_emails o JOIN donations d ON o.idempotency_key = 'receipt:' || d.id
             WHERE d.need_id IN (${sql.join(needIds)})) AS receipts`.execute(db);
  const row = counts.rows[0]!;
  const actual = {
    ...actualSums,
    succeeded: Number(row.succeeded),
    storedEvents: Number(row.events),
    receipts: Number(row.receipts),
  };
  const exact =
    needsExact === needs.length &&
    actual.raised === expected.raised &&
    actual.backers === expected.backers &&
    actual.succeeded === unique &&
    actual.storedEvents === unique &&
    actual.receipts === unique &&
    statuses["200"] === options.events &&
    bodies.processed === unique &&
    bodies.duplicate === duplicates;

  return {
    needs: options.needs,
    posted: options.events,
    uniqueEvents: unique,
    duplicates,
    concurrency: options.concurrency,
    seconds: Math.round(seconds * 100) / 100,
    eventsPerSecond: Math.round(options.events / seconds),
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    statuses,
    bodies,
    expected,
    actual,
    needsExact,
    exact,
    cpu,
  };
}
/** Deterministic Fisher–Yates (a fixed seed: every run posts in the same order). */
function shuffle<T>(items: T[]): T[] {
  let seed = 0x2545f491;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x1_0000_0000;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
