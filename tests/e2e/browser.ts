import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { expect } from "vitest";
import { parseEnv } from "~/env.server";
import { createLogger } from "~/server/logger.server";
import { startServer, type RunningServer } from "~/server/main";
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from "../support/database";

/** Flags that keep Debian's chromium quiet and offline (design.md, "Known to work here"). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const SCREENSHOT_DIR = "test-results/screenshots";

export interface E2EServer {
  url: string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The real server (startServer: migrations, demo content, HTTP) on a fresh database: a new
 * PGlite data directory, or a new PostgreSQL database when TEST_DATABASE_URL is set.
 * The port is chosen first so APP_URL (Open Graph and share links) names the real address.
 */
export async function startE2EServer(options: { emailWorker?: boolean } = {}): Promise<E2EServer> {
  const port = await freePort();
  let database: TestDatabase | undefined;
  let dataDir: string | undefined;
  if (testDatabaseUrl) database = await createTestDatabase({ migrate: false });
  else dataDir = await mkdtemp(join(tmpdir(), "tomoni-e2e-"));
  const env = parseEnv({
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: String(port),
    APP_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: "silent",
    DEMO_CONTENT: "1",
    // The worker delivers to the local mailbox when a test reads it; otherwise it stays off.
    EMAIL_WORKER: options.emailWorker ? "inline" : "off",
    EMAIL_POLL_MS: "100",
    EMAIL_RATE_PER_SECOND: "50",
    // As in production: anonymous visitors get the need page's cached copy, so every flow here
    // (hydration with a filled-in nonce and token, a total after paying) runs through it.
    PAGE_CACHE_MS: "1000",
    ...(database?.url ? { DATABASE_URL: database.url, DATABASE_POOL_SIZE: "5" } : { DATA_DIR: dataDir }),
  });
  let running: RunningServer;
  try {
    running = await startServer(env, createLogger(env));
  } catch (error) {
    await database?.destroy();
    throw error;
  }
  return {
    url: env.APP_URL,
    async close() {
      await running.shutdown("e2e done");
      await database?.destroy();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Playwright gives every launch a fresh temporary profile; contexts start with no cookies. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

let step = 0;
let folder: string | undefined;
/**
 * A full-page screenshot of one step, numbered in the order the steps ran, in a folder per
 * test file (test-results/screenshots/<file>/NN-name.png). The folder is emptied on the first
 * screenshot of a run, so it never mixes two runs' steps.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  if (folder === undefined) {
    const file = (expect.getState().testPath ?? "e2e").split(/[\\/]/).pop()!.replace(/\.test\.ts$/, "");
    folder = join(SCREENSHOT_DIR, file);
    await rm(folder, { recursive: true, force: true });
    await mkdir(folder, { recursive: true });
  }
  step += 1;
  const path = join(folder, `${String(step).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The site's language for every later request of this context (the cookie the visible switch sets). */
export function setLanguage(context: BrowserContext, url: string, locale: "en" | "ja"): Promise<void> {
  return context.addCookies([{ name: "lang", value: locale, url }]);
}

/** Logs in through the login form and waits for the dashboard. */
export async function logIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL("**/dashboard**");
}

/** axe-core's WCAG 2 A/AA (2.0–2.2) and best-practice rules; returns readable violations. */
export async function axeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]).analyze();
  return results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`,
  );
}
