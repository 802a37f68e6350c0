/**
 * `npm run worker`: the outbox worker as its own process, for running several beside the web
 * processes (set EMAIL_WORKER=off on those). Stops cleanly on SIGTERM/SIGINT: the email in
 * flight is finished and recorded, nothing claimed is left behind.
 */
import { createDatabase } from "~/db.server";
import { loadEnvOrExit } from "~/env.server";
import { createLogger } from "~/server/logger.server";
import { createTransport, type EmailTransport } from "./transport.server";
import { createOutboxWorker } from "./worker.server";

const env = loadEnvOrExit();

const logger = createLogger(env);
if (!env.DATABASE_URL) {
  // NOTE: PGlite is an embedded, single-process database: a second process opening the same
  // data directory corrupts it. With PGlite the web process runs the worker (EMAIL_WORKER=inline).
  console.error("npm run worker needs DATABASE_URL (PostgreSQL); with the embedded PGlite the web process runs the worker itself");
  process.exit(1);
}

const db = createDatabase({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE });
let transport: EmailTransport;
try {
  transport = createTransport(env, db);
} catch (error) {
  logger.fatal({ err: error }, "could not start the outbox worker");
  await db.destroy();
  process.exit(1);
}
const worker = createOutboxWorker({ db, env, logger, transport });
worker.start();
logger.info({ transport: transport.name }, "outbox worker started");

const stop = (signal: NodeJS.Signals) => {
  logger.info({ signal }, "outbox worker stopping");
  worker
    .stop()
    .then(() => db.destroy())
    .then(
      () => {
        logger.info("outbox worker stopped");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "unclean outbox worker shutdown");
        process.exit(1);
      },
    );
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
