import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "~/db.server";
import { parseEnv } from "~/env.server";
import { enqueueEmail } from "~/models/outbox.server";
import { createLogger } from "~/server/logger.server";
import { startServer } from "~/server/main";
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from "../support/database";

// These tests start real server processes (migrations, seed, PGlite boot): under a loaded
// machine that alone can take tens of seconds, so they get more room than unit tests.
vi.setConfig({ testTimeout: 120_000 });

function runWorkerProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "app/email/worker.ts"], {
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", EMAIL_POLL_MS: "50", ...env } as unknown as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

/** Waits for a background worker to get there; fails after `ms`. */
async function eventually<T>(probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting for the worker");
    await sleep(50);
  }
}

const sentRow = (db: Database, key: string) => async () => {
  const row = await db.selectFrom("outbox_emails").selectAll().where("idempotency_key", "=", key).executeTakeFirst();
  return row?.status === "sent" ? row : undefined;
};

describe("npm run worker", () => {
  it("refuses the embedded PGlite, which one process owns", async () => {
    const proc = runWorkerProcess({ DATA_DIR: "memory://" });
    expect(await proc.exited).toBe(1);
    expect(proc.output().stderr.trim()).toBe(
      "npm run worker needs DATABASE_URL (PostgreSQL); with the embedded PGlite the web process runs the worker itself",
    );
  });

  describe.runIf(testDatabaseUrl)("on PostgreSQL", () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await database?.destroy();
    });

    it("sends what is queued (to the local mailbox without a Resend key) and stops cleanly on SIGTERM", async () => {
      await enqueueEmail(database.db, { kind: "test", to: "ops@example.org", locale: "en", props: {}, idempotencyKey: "proc:1", transactional: true });
      const proc = runWorkerProcess({ DATABASE_URL: database.url! });
      const row = await eventually(sentRow(database.db, "proc:1"));
      const message = await database.db.selectFrom("mailbox_messages").selectAll().executeTakeFirstOrThrow();
      expect(row.provider_message_id).toBe(message.message_id);

      proc.child.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
      expect(proc.output().stdout).toContain('"msg":"outbox worker stopped"');
    });
  });
});

describe("the web process", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "tomoni-inline-worker-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("runs the worker inline by default, and stops it before closing the database", async () => {
    const env = parseEnv({ NODE_ENV: "test", LOG_LEVEL: "silent", PORT: "0", DATA_DIR: dataDir, DEMO_CONTENT: "0", EMAIL_POLL_MS: "50" });
    const running = await startServer(env, createLogger(env));
    try {
      await enqueueEmail(running.db, { kind: "test", to: "ops@example.org", locale: "en", props: {}, idempotencyKey: "inline:1", transactional: true });
      await eventually(sentRow(running.db, "inline:1"));
    } finally {
      await running.shutdown("test");
    }
  });
});
