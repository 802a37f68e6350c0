import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import type { Logger } from "pino";
import { DEMO_ORGANISATIONS, DEMO_ORGANISER } from "../../db/demo-content";
import { createDatabase, type Database } from "~/db.server";
import { createTransport } from "~/email/transport.server";
import { createOutboxWorker, type OutboxWorker } from "~/email/worker.server";
import { loadEnvOrExit, type Env } from "~/env.server";
import { seedDemoContent } from "~/models/demo.server";
import { goalChecksSettled, startGoalSweep, type GoalSweep } from "~/payments/goal-checks.server";
import { migrateToLatest } from "~/models/migrations.server";
import { createApp } from "./app.server";
import { createLogger } from "./logger.server";

export interface RunningServer {
  url: string;
  server: Server;
  db: Database;
  /** Stops accepting, lets in-flight requests finish, closes the database. */
  shutdown(reason?: string): Promise<void>;
}

export async function loadBuild(path = "build/index.js"): Promise<ServerBuild> {
  return (await import(pathToFileURL(resolve(path)).href)) as ServerBuild;
}

/** Opens and migrates the database, seeds demo content if asked, and listens. */
export async function startServer(env: Env, logger: Logger, build?: ServerBuild): Promise<RunningServer> {
  const db = createDatabase({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, dataDir: env.DATA_DIR });
  let worker: OutboxWorker | undefined;
  try {
    const migrated = await migrateToLatest(db);
    const applied = migrated.results?.filter((r) => r.status === "Success").map((r) => r.migrationName) ?? [];
    if (applied.length > 0) logger.info({ applied }, "migrations applied");
    if (env.seedDemoContent) {
      const created = await seedDemoContent(db, DEMO_ORGANISATIONS, new Date(), env.seedDemoOrganiser ? DEMO_ORGANISER : null);
      if (created > 0) logger.info({ organisations: created }, "demo content seeded");
    }
    // The outbox worker runs inside the web process unless EMAIL_WORKER=off (then `npm run worker`).
    if (env.EMAIL_WORKER === "inline") worker = createOutboxWorker({ db, env, logger, transport: createTransport(env, db) });
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }

  const app = createApp({ build: build ?? (await loadBuild()), db, env, logger });
  const server = await new Promise<Server>((resolveListen, reject) => {
    const listening = app.listen(env.PORT, env.HOST, () => resolveListen(listening));
    listening.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  worker?.start();
  const goalSweep: GoalSweep = startGoalSweep({ db, appUrl: env.APP_URL, intervalMs: env.GOAL_SWEEP_MS, logger });
  const url = `http://${env.HOST === "0.0.0.0" ? "localhost" : env.HOST}:${port}`;

  let stopping: Promise<void> | undefined;
  const shutdown = (reason = "shutdown") =>
    (stopping ??= (async () => {
      logger.info({ reason }, "shutting down");
      // Past the deadline, cut whatever is still open so the process exits in time.
      const deadline = setTimeout(() => server.closeAllConnections(), env.SHUTDOWN_TIMEOUT_MS);
      deadline.unref();
      // The worker finishes its email in flight meanwhile; both need the database until done.
      const workerStopped = worker?.stop();
      await new Promise<void>((done) => server.close(() => done()));
      clearTimeout(deadline);
      // Goal checks that webhooks answered before (a check cut off here is the sweep's at start).
      await Promise.all([workerStopped, goalSweep.stop(), goalChecksSettled(db)]);
      await db.destroy();
      logger.info("stopped");
    })());

  return { url, server, db, shutdown };
}

async function main() {
  const env = loadEnvOrExit();
  const logger = createLogger(env);
  let running: RunningServer;
  try {
    running = await startServer(env, logger);
  } catch (error) {
    logger.fatal({ err: error }, "could not start");
    process.exit(1);
  }
  logger.info({ url: running.url, database: env.DATABASE_URL ? "postgresql" : "pglite" }, `Tomoni is listening on ${running.url}`);

  const onSignal = (signal: NodeJS.Signals) => {
    running.shutdown(signal).then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, "unclean shutdown");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
}

// Run only as the entry point, so tests can import startServer without side effects.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
