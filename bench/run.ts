import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, platform, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { parseEnv } from "~/env.server";
import { demoWebhookSecret } from "~/payments/stripe.server";
import { startChildServer, type ChildServer, type CpuSplit } from "./child";
import { startFakeResend, type FakeResend } from "./fake-resend";
import { benchFanout, type FanoutResult } from "./fanout";
import { createBenchDatabase, openDatabase, type BenchDatabase } from "./fixtures";
import { benchPages, type PageResult } from "./page";
import { summariseProfile, type ProfileSummary } from "./profile";
import { benchWebhooks, type WebhookResult } from "./webhooks";

/**
 * `npm run bench`: the numbers issue 7 asks for, on loopback, against the real server run as a
 * child process in production mode (bench/README.md says what each number means).
 *
 *   npm run bench                      everything (~3 minutes), writes bench/results.json
 *   npm run bench -- --quick           shorter runs, smaller data (a smoke test of the bench itself)
 *   npm run bench -- --only webhooks   some of: page-pg, page-pglite, webhooks, fanout
 *   npm run bench -- --profile         also a CPU profile of each server, summarised
 *   npm run bench -- --pg postgres://user@host:5432/postgres
 */

const { values: args } = parseArgs({
  options: {
    pg: { type: "string", default: "postgres://postgres@127.0.0.1:5432/postgres" },
    quick: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    only: { type: "string" },
    out: { type: "string", default: "bench/results.json" },
  },
});

const SETTINGS = args.quick
  ? { connections: 32, durationSeconds: 3, warmupSeconds: 1, events: 1_000, warmupEvents: 200, webhookRuns: 1, duplicateShare: 0.2, concurrency: 32, spreadNeeds: 50, backers: 2_000, organisers: 2, ratePerSecond: 10 }
  : { connections: 32, durationSeconds: 10, warmupSeconds: 3, events: 5_000, warmupEvents: 1_000, webhookRuns: 3, duplicateShare: 0.2, concurrency: 32, spreadNeeds: 50, backers: 10_000, organisers: 2, ratePerSecond: 10 };
const PARTS = ["page-pg", "page-pglite", "webhooks", "fanout"] as const;
type Part = (typeof PARTS)[number];
const only = new Set((args.only ?? PARTS.join(",")).split(",").map((s) => s.trim()));
for (const part of only) if (!PARTS.includes(part as Part)) throw new Error(`--only: unknown part ${part} (one of ${PARTS.join(", ")})`);
const runs = (part: Part) => only.has(part);

// One configuration for every server: production mode, demo payments (signed with the secret
// derived from SESSION_SECRET), Resend as the transport, the bare route enabled.
const BASE_ENV = {
  NODE_ENV: "production",
  SESSION_SECRET: "bench-session-secret-0123456789abcdef",
  DEMO_PAYMENTS: "1",
  RESEND_API_KEY: "re_bench",
  BENCH_ROUTES: "1",
};
const secret = demoWebhookSecret(parseEnv({ ...BASE_ENV, APP_URL: "http://127.0.0.1" }));

const workDir = mkdtempSync(join(tmpdir(), "tomoni-bench-"));
const profileDir = args.profile ? join(workDir, "profiles") : undefined;
if (profileDir) mkdirSync(profileDir);

interface Row {
  metric: string;
  value: string;
  goal: string;
  pass: boolean | null;
}

const results: {
  pagePostgres?: PageResult;
  pagePglite?: PageResult;
  /** The median of the one-need runs, with every run's events/s. */
  webhooks?: WebhookResult & { runsEventsPerSecond?: number[] };
  webhooksSpread?: WebhookResult;
  fanout?: FanoutResult;
  profiles?: ProfileSummary[];
} = {};
const cleanups: Array<() => Promise<void>> = [];

async function withServer<T>(
  name: string,
  env: Record<string, string>,
  database: BenchDatabase | null,
  body: (server: ChildServer) => Promise<T>,
): Promise<T> {
  const server = await startChildServer({ name, env: { ...BASE_ENV, ...env, ...(database ? { DATABASE_URL: database.url } : {}) }, logDir: workDir, profileDir });
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

async function onPostgres<T>(label: string, body: (database: BenchDatabase) => Promise<T>): Promise<T> {
  const database = await createBenchDatabase(args.pg, label);
  try {
    return await body(database);
  } finally {
    await database.drop();
  }
}

async function machine() {
  const cpuList = cpus();
  let postgres: string | null = null;
  try {
    await onPostgres("probe", async (database) => {
      const db = openDatabase(database.url, 1);
      postgres = (await sql<{ v: string }>`SELECT current_setting('server_version') AS v`.execute(db)).rows[0]?.v ?? null;
      await db.destroy();
    });
  } catch (error) {
    throw new Error(`PostgreSQL at ${args.pg} is needed (--pg to point elsewhere): ${(error as Error).message}`);
  }
  return {
    cpuModel: cpuList[0]?.model ?? "unknown",
    cpuCount: cpuList.length,
    totalMemoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
    postgres,
  };
}

/** Share of the machine's CPU time that was busy over `ms` (everything: this bench is idle then). */
async function busyShare(ms = 1000): Promise<number> {
  const total = () => cpus().reduce((acc, c) => ({ idle: acc.idle + c.times.idle, all: acc.all + c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle }), { idle: 0, all: 0 });
  const a = total();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = total();
  const all = b.all - a.all;
  return all > 0 ? Math.round((1 - (b.idle - a.idle) / all) * 100) : 0;
}

/**
 * Two cores are easily disturbed (a browser test next door halves every number): wait up to
 * a minute for the machine to be quiet, and record how busy it was when the part started.
 */
const background: Record<string, number> = {};
async function waitForQuiet(part: string) {
  let busy = await busyShare();
  for (let waited = 0; busy > 10 && waited < 60; waited += 2) {
    if (waited === 0) log(`  the machine is ${busy}% busy with other work; waiting for it to settle…`);
    busy = await busyShare(2000);
  }
  if (busy > 10) log(`  still ${busy}% busy: the numbers of ${part} are disturbed`);
  background[part] = busy;
}

const log = (message: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${message}`);

async function main() {
  if (!existsSync("build/index.js")) throw new Error("build/index.js is missing: `npm run bench` runs `remix build` first");
  const started = Date.now();
  const host = await machine();
  log(`bench on ${host.cpuCount} × ${host.cpuModel}, ${host.totalMemoryGiB} GiB, Node ${host.node}, PostgreSQL ${host.postgres}; logs in ${workDir}`);

  if (runs("page-pg")) {
    await waitForQuiet("page-pg");
    log("need page vs bare page on PostgreSQL…");
    results.pagePostgres = await onPostgres("page", (database) =>
      withServer("page-postgresql", { DEMO_CONTENT: "1", EMAIL_WORKER: "off" }, database, (server) => benchPages(server, "postgresql", SETTINGS)),
    );
  }
  if (runs("page-pglite")) {
    await waitForQuiet("page-pglite");
    log("need page vs bare page on PGlite…");
    const dataDir = join(workDir, "pglite");
    results.pagePglite = await withServer("page-pglite", { DEMO_CONTENT: "1", EMAIL_WORKER: "off", DATA_DIR: dataDir }, null, (server) =>
      benchPages(server, "pglite", SETTINGS),
    );
  }
  if (runs("webhooks")) {
    await waitForQuiet("webhooks");
    log(`webhook ingestion: ${SETTINGS.events} events, ${SETTINGS.duplicateShare * 100}% duplicates, ${SETTINGS.concurrency} at a time…`);
    const webhooks = await onPostgres("webhooks", (database) =>
      withServer("webhooks", { DEMO_CONTENT: "0", EMAIL_WORKER: "off" }, database, async (server) => {
        const db = openDatabase(database.url);
        try {
          // Not measured: the server's first events pay for JIT compilation, for opening the pool's
          // connections and preparing each statement on them; the page runs warm up for the same reason.
          const warm = await benchWebhooks(db, server, secret, { ...SETTINGS, events: SETTINGS.warmupEvents, needs: 1, label: "webhooks-warmup" });
          log(`  warm-up: ${warm.eventsPerSecond} events/s over ${warm.posted} events (not counted)`);
          // One run swings by ±5% on this machine: the headline is the median of several, each on
          // a need of its own, and every run must be exact.
          const runs: WebhookResult[] = [];
          for (let i = 0; i < SETTINGS.webhookRuns; i++) {
            runs.push(await benchWebhooks(db, server, secret, { ...SETTINGS, needs: 1, label: `webhooks-one-${i}` }));
            log(`  ${runs.at(-1)!.eventsPerSecond} events/s on one need (run ${i + 1} of ${SETTINGS.webhookRuns})`);
          }
          const one = { ...median(runs), runsEventsPerSecond: runs.map((r) => r.eventsPerSecond), exact: runs.every((r) => r.exact) };
          log(`  now spread over ${SETTINGS.spreadNeeds} needs…`);
          const spread = await benchWebhooks(db, server, secret, { ...SETTINGS, needs: SETTINGS.spreadNeeds, label: "webhooks-spread" });
          return { one, spread };
        } finally {
          await db.destroy();
        }
      }),
    );
    results.webhooks = webhooks.one;
    results.webhooksSpread = webhooks.spread;
  }
  if (runs("fanout")) {
    await waitForQuiet("fanout");
    log(`goal-met fan-out to ${SETTINGS.backers} backers at ${SETTINGS.ratePerSecond} provider calls/s…`);
    const fake: FakeResend = await startFakeResend({ ratePerSecond: SETTINGS.ratePerSecond });
    cleanups.push(() => fake.close());
    results.fanout = await onPostgres("fanout", (database) =>
      withServer(
        "fanout",
        { DEMO_CONTENT: "0", EMAIL_WORKER: "inline", RESEND_BASE_URL: fake.url, EMAIL_RATE_PER_SECOND: String(SETTINGS.ratePerSecond), EMAIL_POLL_MS: "100" },
        database,
        async (server) => {
          const db = openDatabase(database.url);
          try {
            return await benchFanout(db, server, secret, fake, { ...SETTINGS, timeoutSeconds: 120 });
          } finally {
            await db.destroy();
          }
        },
      ),
    );
  }

  if (profileDir) {
    // Each server's folder also holds a small profile of tsx's loader thread: take the main thread's (the largest).
    results.profiles = readdirSync(profileDir).map((server) => {
      const dir = join(profileDir, server);
      const [main] = readdirSync(dir)
        .map((f) => join(dir, f))
        .sort((a, b) => statSync(b).size - statSync(a).size);
      return summariseProfile(main!);
    });
  }

  const rows = table();
  printTable(rows);
  printCpu();
  if (results.profiles) printProfiles(results.profiles);
  const output = {
    date: new Date().toISOString(),
    machine: host,
    settings: { ...SETTINGS, quick: args.quick, serverDatabasePoolSize: 10, serverLogLevel: "info", nodeEnv: "production" },
    rssMethod: "VmRSS of the server child process (/proc/<pid>/status), sampled every 100 ms during the page test",
    /** CPU busy (%) from other processes just before each part started. */
    backgroundBusyPercent: background,
    checks: rows,
    results,
    runtimeSeconds: Math.round((Date.now() - started) / 1000),
  };
  writeFileSync(args.out, `${JSON.stringify(output, null, 2)}\n`);
  log(`wrote ${args.out} (${output.runtimeSeconds} s in all)`);
  if (!profileDir) rmSync(workDir, { recursive: true, force: true });
  else log(`profiles kept in ${profileDir}`);
}

/** The run with the median events/s (the upper middle of an even count). */
function median(runs: WebhookResult[]): WebhookResult {
  const sorted = [...runs].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function table(): Row[] {
  const rows: Row[] = [];
  const n = (v: number, digits = 0) => v.toLocaleString("en-GB", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  for (const page of [results.pagePostgres, results.pagePglite]) {
    if (!page) continue;
    const db = page.database === "postgresql" ? "PostgreSQL" : "PGlite";
    rows.push(
      { metric: `Need page req/s, visitors' copy (${db})`, value: `${n(page.need.requestsPerSecond)} (bare ${n(page.bare.requestsPerSecond)})`, goal: "—", pass: null },
      { metric: `Need page ÷ bare (${db})`, value: n(page.ratio, 2), goal: "≥ 0.50", pass: page.ratio >= 0.5 },
      { metric: `Need page p50 / p99 (${db})`, value: `${n(page.need.latencyP50Ms)} / ${n(page.need.latencyP99Ms)} ms`, goal: "p99 < 100 ms", pass: page.need.latencyP99Ms < 100 },
      { metric: `Bare page p50 / p99 (${db})`, value: `${n(page.bare.latencyP50Ms)} / ${n(page.bare.latencyP99Ms)} ms`, goal: "—", pass: null },
      {
        metric: `Need page rendered every time (${db})`,
        value: `${n(page.needRendered.requestsPerSecond)} req/s, ÷ bare ${n(page.renderedRatio, 2)}, p50 / p99 ${n(page.needRendered.latencyP50Ms)} / ${n(page.needRendered.latencyP99Ms)} ms`,
        goal: "—",
        pass: null,
      },
      {
        metric: `Server peak RSS (${db})`,
        value: page.peakRssMb === null ? "n/a" : `${n(page.peakRssMb)} MiB (${n(page.rssBeforeMb ?? 0)} MiB idle)`,
        goal: "—",
        pass: null,
      },
    );
  }
  const w = results.webhooks;
  if (w) {
    rows.push(
      {
        metric: "Webhooks events/s, one need (PG)",
        value: `${n(w.eventsPerSecond)} (p99 ${n(w.latencyP99Ms)} ms)${w.runsEventsPerSecond && w.runsEventsPerSecond.length > 1 ? `; median of ${w.runsEventsPerSecond.join(", ")}` : ""}`,
        goal: "≥ 500",
        pass: w.eventsPerSecond >= 500,
      },
      ...(results.webhooksSpread
        ? [{ metric: `Webhooks events/s, ${results.webhooksSpread.needs} needs`, value: `${n(results.webhooksSpread.eventsPerSecond)} (p99 ${n(results.webhooksSpread.latencyP99Ms)} ms)`, goal: "—", pass: null }]
        : []),
      {
        metric: "Webhooks: raised and backers exact",
        value: w.exact && (results.webhooksSpread?.exact ?? true) ? `yes (one need: ¥${n(w.actual.raised)}, ${n(w.actual.backers)} backers)` : `NO (raised ${w.actual.raised}/${w.expected.raised}, backers ${w.actual.backers}/${w.expected.backers}; spread: ${results.webhooksSpread?.needsExact ?? "-"}/${results.webhooksSpread?.needs ?? "-"} needs exact)`,
        goal: "exact",
        pass: w.exact && (results.webhooksSpread?.exact ?? true),
      },
    );
  }
  const f = results.fanout;
  if (f) {
    const sendGoal = Math.round(f.idealSendSeconds * 1.2 * 100) / 100;
    rows.push(
      { metric: `Fan-out enqueue (${n(f.goalMetRows)} emails)`, value: `${n(f.enqueueSeconds, 2)} s`, goal: "< 2 s", pass: f.enqueueSeconds < 2 && f.goalMetRows === f.expectedRecipients },
      {
        metric: "Fan-out send (batch, 10 calls/s)",
        value: `${n(f.sendSeconds, 2)} s (ideal ${n(f.idealSendSeconds, 1)} s, ${f.provider.rateLimited} × 429)`,
        goal: `≤ ${n(sendGoal, 1)} s`,
        pass: f.sendSeconds <= sendGoal && f.missing === 0,
      },
      { metric: "Fan-out duplicates / missing", value: `${f.duplicates} / ${f.missing}`, goal: "0 / 0", pass: f.exact },
    );
  }
  return rows;
}

function printTable(rows: Row[]) {
  const widths = [
    Math.max(6, ...rows.map((r) => r.metric.length)),
    Math.max(5, ...rows.map((r) => r.value.length)),
    Math.max(4, ...rows.map((r) => r.goal.length)),
  ];
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 4)).join(" | ")} |`;
  console.log();
  console.log(line(["Metric", "Value", "Goal", "Pass"]));
  console.log(`|${[...widths, 4].map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of rows) console.log(line([r.metric, r.value, r.goal, r.pass === null ? "" : r.pass ? "pass" : "FAIL"]));
  console.log();
}

/** Where the two cores went in each measurement: CPU seconds per second of wall time, by process. */
function cpuLines(): Array<{ part: string; cpu: CpuSplit }> {
  const lines: Array<{ part: string; cpu: CpuSplit }> = [];
  for (const page of [results.pagePostgres, results.pagePglite]) {
    if (!page) continue;
    lines.push(
      { part: `bare page, ${page.database}`, cpu: page.bare.cpu },
      { part: `need page, ${page.database}`, cpu: page.need.cpu },
      { part: `need page rendered, ${page.database}`, cpu: page.needRendered.cpu },
    );
  }
  if (results.webhooks) lines.push({ part: "webhooks, one need", cpu: results.webhooks.cpu });
  if (results.webhooksSpread) lines.push({ part: `webhooks, ${results.webhooksSpread.needs} needs`, cpu: results.webhooksSpread.cpu });
  if (results.fanout) lines.push({ part: "fan-out send", cpu: results.fanout.sendCpu });
  return lines;
}

function printCpu() {
  const lines = cpuLines();
  if (lines.length === 0) return;
  const per = (s: number | null, wall: number) => (s === null ? "  n/a" : (s / wall).toFixed(2).padStart(5));
  console.log("Cores in use (CPU-seconds per second; the machine has 2): server | PostgreSQL | load generator");
  for (const { part, cpu } of lines) {
    console.log(`  ${part.padEnd(24)} ${per(cpu.serverSeconds, cpu.wallSeconds)} | ${per(cpu.postgresSeconds, cpu.wallSeconds)} | ${per(cpu.benchSeconds, cpu.wallSeconds)}`);
  }
  console.log();
}

function printProfiles(profiles: ProfileSummary[]) {
  for (const p of profiles) {
    console.log(`CPU profile of ${p.file.split("/").slice(-2, -1)[0]}: ${p.busyMs} ms busy (start-up included)`);
    for (const a of p.byArea.slice(0, 8)) console.log(`  ${String(a.share).padStart(5)}%  ${a.area}`);
    console.log("  top functions:");
    for (const f of p.byFunction.slice(0, 8)) console.log(`  ${String(f.share).padStart(5)}%  ${f.fn}`);
    console.log();
  }
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  console.error(`server logs: ${workDir}`);
  process.exitCode = 1;
} finally {
  for (const cleanup of cleanups) await cleanup().catch(() => {});
}
