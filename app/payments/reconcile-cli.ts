/**
 * `npm run stripe:reconcile -- --days N` (1–30, default 3): replays recent Stripe events and
 * finished Checkout Sessions through the webhook's processing and prints what it repaired.
 * Idempotent: a second run reports everything as duplicates and changes nothing.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";
import { createDatabase, type Database } from "~/db.server";
import { loadEnvOrExit, type Env } from "~/env.server";
import { formatReconcileReport, RECONCILE_MAX_DAYS, reconcileStripe } from "./reconcile.server";

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const USAGE = `usage: npm run stripe:reconcile -- [--days N]   (N from 1 to ${RECONCILE_MAX_DAYS}, default 3)`;

const argsSchema = z.object({
  // Stripe keeps events for 30 days: further back there is nothing to list.
  days: z.coerce.number().int().min(1).max(RECONCILE_MAX_DAYS).default(3),
});

export type ParsedArgs = { ok: true; days: number } | { ok: false; message: string };

export function parseReconcileArgs(argv: string[]): ParsedArgs {
  let values: { days?: string };
  try {
    ({ values } = parseArgs({ args: argv, options: { days: { type: "string" } }, strict: true, allowPositionals: false }));
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) return { ok: false, message: `--days must be a whole number from 1 to ${RECONCILE_MAX_DAYS} (got ${JSON.stringify(values.days ?? "")})` };
  return { ok: true, days: parsed.data.days };
}

/** Runs the command; returns the exit code (0 ok, 1 something failed, 2 usage). */
export async function runReconcileCli(argv: string[], env: Env, openDb: () => Database, io: CliIo, now?: Date): Promise<number> {
  const args = parseReconcileArgs(argv);
  if (!args.ok) {
    io.err(args.message);
    io.err(USAGE);
    return 2;
  }
  if (env.paymentsMode === "demo") {
    // Demo events are delivered synchronously into the handler: none can have been missed.
    io.out("Demo payments are on (no STRIPE_SECRET_KEY, or DEMO_PAYMENTS=1): there is nothing to reconcile.");
    return 0;
  }
  const db = openDb();
  try {
    const report = await reconcileStripe(db, env, { days: args.days, now });
    io.out(formatReconcileReport(report));
    return report.totals.failed > 0 ? 1 : 0;
  } finally {
    await db.destroy();
  }
}

async function main() {
  const env = loadEnvOrExit();
  const code = await runReconcileCli(
    process.argv.slice(2),
    env,
    () => {
      if (!env.DATABASE_URL) {
        // NOTE: PGlite allows one process per data directory; a running server holds it.
        console.error(`Using the embedded PGlite in ${env.DATA_DIR}: stop the web server first.`);
      }
      return createDatabase({ url: env.DATABASE_URL, poolSize: 1, dataDir: env.DATA_DIR });
    },
    { out: (line) => console.log(line), err: (line) => console.error(line) },
  );
  process.exit(code);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
