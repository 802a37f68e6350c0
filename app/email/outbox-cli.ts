/**
 * Operator commands for the outbox:
 *   npm run outbox:status        counts by status, and the dead emails with their errors
 *   npm run outbox:retry <id>    puts one dead or suppressed email back in the queue
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Database } from "~/db.server";
import { createDatabase } from "~/db.server";
import { loadEnvOrExit } from "~/env.server";
import { listDeadEmails, outboxCounts, OUTBOX_STATUSES, requeueEmail } from "~/models/outbox.server";
import { maskEmail } from "~/server/logger.server";

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const USAGE = "usage: outbox-cli status | outbox-cli retry <id>";

/** Runs one command; returns the exit code (0 ok, 1 refused, 2 usage). */
export async function runOutboxCli(args: string[], db: Database, io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  if (command === "status" && rest.length === 0) {
    const counts = await outboxCounts(db);
    io.out(OUTBOX_STATUSES.map((status) => `${status.padEnd(10)} ${counts[status]}`).join("\n"));
    const dead = await listDeadEmails(db);
    if (dead.length === 0) return 0;
    io.out(`\nDead emails${counts.dead > dead.length ? ` (newest ${dead.length} of ${counts.dead})` : ""}:`);
    for (const row of dead) {
      // Masked: enough to recognise the address, not to copy it into a ticket.
      io.out(`#${row.id}  ${row.kind}  ${maskEmail(row.recipient)}  attempts=${row.attempts}  ${row.updated_at.toISOString()}`);
      io.out(`      ${(row.last_error ?? "(no error recorded)").replace(/\s+/g, " ")}`);
    }
    io.out("\nRetry one with: npm run outbox:retry <id>");
    return 0;
  }
  if (command === "retry" && rest.length === 1) {
    const raw = rest[0]!;
    if (!/^[1-9][0-9]{0,15}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
      io.err(`Not an outbox email id: ${JSON.stringify(raw.slice(0, 40))} (expected a positive whole number)`);
      return 1;
    }
    const id = Number(raw);
    const result = await requeueEmail(db, id);
    if (result.ok) {
      io.out(`Email #${id} is queued again; the worker sends it on its next poll (same idempotency key).`);
      return 0;
    }
    if (result.reason === "not_found") io.err(`No outbox email with id ${id}.`);
    else io.err(`Email #${id} is ${result.status}: only dead or suppressed emails can be retried.`);
    return 1;
  }
  io.err(USAGE);
  return 2;
}

async function main() {
  const env = loadEnvOrExit();
  if (!env.DATABASE_URL) {
    // NOTE: PGlite allows one process per data directory; a running server holds it.
    console.error(`Using the embedded PGlite in ${env.DATA_DIR}: stop the web server first.`);
  }
  const db = createDatabase({ url: env.DATABASE_URL, poolSize: 1, dataDir: env.DATA_DIR });
  let code: number;
  try {
    code = await runOutboxCli(process.argv.slice(2), db, { out: (line) => console.log(line), err: (line) => console.error(line) });
  } finally {
    await db.destroy();
  }
  process.exit(code);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
