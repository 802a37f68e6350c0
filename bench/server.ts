import { parseEnv } from "~/env.server";
import { createLogger } from "~/server/logger.server";
import { startServer } from "~/server/main";

/**
 * The server under test, as a child process of bench/run.ts (so its RSS and CPU are its own):
 * the real startServer — migrations, demo content, Express + Remix, the inline outbox worker
 * when asked. Its whole configuration arrives as JSON in argv[2]; NODE_ENV is also set in the
 * child's environment by the parent, because React picks its production build from it.
 * Messages: → { type: "ready", url } once listening; ← "memory" → { type: "memory", usage };
 * ← "stop" → shuts down and exits 0.
 */

const config = JSON.parse(process.argv[2] ?? "{}") as Record<string, string>;
const env = parseEnv(config);
const logger = createLogger(env);
const running = await startServer(env, logger);
process.send?.({ type: "ready", url: running.url });

let stopping = false;
const stop = (reason: string) => {
  if (stopping) return;
  stopping = true;
  running.shutdown(reason).then(
    // process.exit (not a dangling handle) so --cpu-prof writes its profile.
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, "unclean shutdown");
      process.exit(1);
    },
  );
};
process.on("message", (message) => {
  if (message === "stop") stop("bench done");
  // The heap's own view, next to the RSS the parent reads from /proc.
  if (message === "memory") process.send?.({ type: "memory", usage: process.memoryUsage() });
});
// The parent died: do not linger.
process.on("disconnect", () => stop("bench parent gone"));
