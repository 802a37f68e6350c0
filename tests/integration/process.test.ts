import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { connect } from "node:net";
import { once } from "node:events";
import { join } from "node:path";
import { setTimeout } from "node:timers/promises";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createDatabase } from "~/db.server";
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from "../support/database";

// These tests start real server processes (migrations, seed, PGlite boot): under a loaded
// machine that alone can take tens of seconds, so they get more room than unit tests.
vi.setConfig({ testTimeout: 120_000 });

/** The real entry point, as `npm start` runs it (after the build), in a child process. */
function startProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "app/server/main.ts"], {
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", HOST: "127.0.0.1", PORT: "0", ...env } as unknown as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", () => {
      const match = /listening on (http:\/\/[^"\s]+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    exited.then((code) => reject(new Error(`exited with ${code}: ${stderr}${stdout}`)));
  });
  listening.catch(() => {}); // awaited only by tests that expect the server to come up
  return { child, exited, listening, output: () => ({ stdout, stderr }) };
}

async function stop(child: ChildProcess, exited: Promise<number | null>) {
  const started = Date.now();
  child.kill("SIGTERM");
  const code = await exited;
  return { code, ms: Date.now() - started };
}

describe("configuration errors", () => {
  it.each([
    [{ PORT: "eighty" }, "PORT"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ NODE_ENV: "production", APP_URL: "https://t.example" }, "SESSION_SECRET"],
  ])("stop start-up with one line naming the variable: %j", async (env, variable) => {
    const proc = startProcess(env);
    expect(await proc.exited).toBe(1);
    const lines = proc.output().stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Invalid configuration: ${variable} `));
  });
});

const counts = async (db: ReturnType<typeof createDatabase>) =>
  Object.fromEntries(
    await Promise.all(
      (["organisations", "needs", "items", "donations", "updates"] as const).map(async (table) => {
        const row = await db.selectFrom(table).select(sql<number>`count(*)::bigint`.as("n")).executeTakeFirstOrThrow();
        return [table, Number(row.n)];
      }),
    ),
  );

async function startServeStop(env: Record<string, string>) {
  const proc = startProcess(env);
  const url = await proc.listening;
  const home = await (await fetch(`${url}/`)).text();
  const health = await fetch(`${url}/healthz`);
  const stopped = await stop(proc.child, proc.exited);
  return { home, healthStatus: health.status, ...stopped, output: proc.output() };
}

describe("embedded PGlite under ./data", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "tomoni-data-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("starts, serves the demo need, stops cleanly on SIGTERM, and a restart adds nothing", async () => {
    const first = await startServeStop({ DATA_DIR: dataDir });
    expect(first.home).toContain("Refrigerator for the shelter");
    expect(first.healthStatus).toBe(200);
    expect(first.code).toBe(0);
    expect(first.ms).toBeLessThan(10_000);
    expect(first.output.stdout).toContain('"msg":"stopped"');

    const second = await startServeStop({ DATA_DIR: dataDir });
    expect(second.code).toBe(0);
    expect(second.output.stdout).not.toContain("demo content seeded");

    const db = createDatabase({ dataDir });
    try {
      expect(await counts(db)).toEqual({ organisations: 2, needs: 3, items: 7, donations: 12, updates: 4 });
    } finally {
      await db.destroy();
    }
  });
});

describe("a production demo site (DEMO_PAYMENTS=1, DEMO_CONTENT=1)", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "tomoni-data-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("seeds the demo world but not the demo organiser, whose password the README publishes", async () => {
    const run = await startServeStop({
      NODE_ENV: "production",
      DATA_DIR: dataDir,
      SESSION_SECRET: "s".repeat(40),
      APP_URL: "https://demo.tomoni.example",
      RESEND_API_KEY: "re_unused",
      EMAIL_WORKER: "off",
      DEMO_PAYMENTS: "1",
      DEMO_CONTENT: "1",
    });
    expect(run.code).toBe(0);
    expect(run.home).toContain("Refrigerator for the shelter");
    const db = createDatabase({ dataDir });
    try {
      expect((await counts(db)).organisations).toBe(2);
      const users = await db.selectFrom("users").select("email").execute();
      expect(users).toEqual([]);
      const members = await db.selectFrom("organisation_members").select("user_id").execute();
      expect(members).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});

describe.runIf(testDatabaseUrl)("PostgreSQL through DATABASE_URL", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it("migrates, seeds once, serves, and stops cleanly", async () => {
    const first = await startServeStop({ DATABASE_URL: database.url! });
    expect(first.home).toContain("Refrigerator for the shelter");
    expect(first.healthStatus).toBe(200);
    expect(first.code).toBe(0);
    const second = await startServeStop({ DATABASE_URL: database.url! });
    expect(second.code).toBe(0);
    expect(await counts(database.db)).toEqual({ organisations: 2, needs: 3, items: 7, donations: 12, updates: 4 });
  });

  it("finishes a request in flight before exiting", async () => {
    const proc = startProcess({ DATABASE_URL: database.url! });
    const { port } = new URL(await proc.listening);
    // Send half a request, signal, then the rest: the server must still answer it in full.
    const socket = connect(Number(port), "127.0.0.1");
    await once(socket, "connect");
    let response = "";
    socket.on("data", (chunk) => (response += chunk));
    socket.write("GET /needs/refrigerator-for-the-shelter HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    await setTimeout(200);
    proc.child.kill("SIGTERM");
    await setTimeout(300);
    expect(proc.child.exitCode).toBeNull();
    socket.write("Connection: close\r\n\r\n");
    await once(socket, "end");
    expect(response).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(response).toContain("Refrigerator for the shelter");
    expect(await proc.exited).toBe(0);
  });
});
