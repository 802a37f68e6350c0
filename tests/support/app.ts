import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Database } from "~/db.server";
import { parseEnv, type Env } from "~/env.server";
import { createApp } from "~/server/app.server";
import { createLogger } from "~/server/logger.server";
import { loadBuild } from "~/server/main";

export interface TestApp {
  url: string;
  env: Env;
  close(): Promise<void>;
}

/** The real HTTP stack (headers, guards, Remix build) on a random loopback port. */
export async function startTestApp(db: Database, env: Record<string, string> = {}): Promise<TestApp> {
  const parsed = parseEnv({ NODE_ENV: "test", LOG_LEVEL: "silent", ...env });
  const app = createApp({ build: await loadBuild(), db, env: parsed, logger: createLogger(parsed) });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    env: parsed,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The smallest configuration production accepts (real Stripe keys are never used: msw or no calls). */
export const PRODUCTION_ENV: Record<string, string> = {
  NODE_ENV: "production",
  SESSION_SECRET: "s".repeat(40),
  APP_URL: "https://tomoni.example",
  RESEND_API_KEY: "re_test_key",
  STRIPE_SECRET_KEY: "sk_test_key",
  STRIPE_WEBHOOK_SECRET: "whsec_test",
};
