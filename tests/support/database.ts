import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { inject } from "vitest";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { createDatabase, type Database } from "~/db.server";
import { migrateToLatest } from "~/models/migrations.server";

export interface TestDatabase {
  db: Database;
  /** postgres:// URL of this test's own database, when running on PostgreSQL. */
  url?: string;
  kind: "postgresql" | "pglite";
  destroy(): Promise<void>;
}

/** TEST_DATABASE_URL selects PostgreSQL; otherwise each test file gets an in-memory PGlite. */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL || undefined;
export const onPostgres = Boolean(testDatabaseUrl);

/**
 * A database of this test's own: on PostgreSQL a freshly created database (dropped
 * afterwards), on PGlite a fresh in-memory instance. Migrated unless told otherwise.
 */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  let result: TestDatabase;
  if (testDatabaseUrl) {
    const name = `tomoni_test_${process.pid}_${randomBytes(4).toString("hex")}`;
    const admin = adminConnection(testDatabaseUrl);
    await sql`CREATE DATABASE ${sql.id(name)}`.execute(admin);
    const url = withDatabase(testDatabaseUrl, name);
    const db = createDatabase({ url, poolSize: 20 });
    result = {
      db,
      url,
      kind: "postgresql",
      async destroy() {
        await db.destroy();
        await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin);
        await admin.destroy();
      },
    };
    if (options.migrate !== false) await migrateToLatest(result.db);
  } else if (options.migrate === false) {
    const db = createDatabase({ dataDir: "memory://" });
    result = { db, kind: "pglite", destroy: () => db.destroy() };
  } else {
    // Already migrated: a copy of the template the global setup built.
    const db = createDatabase({ dataDir: "memory://", loadDataDir: await pgliteTemplate() });
    result = { db, kind: "pglite", destroy: () => db.destroy() };
  }
  return result;
}

let template: Blob | undefined;
async function pgliteTemplate(): Promise<Blob> {
  template ??= new Blob([await readFile(inject("pgliteTemplate"))]);
  return template;
}

function adminConnection(url: string): Kysely<unknown> {
  return new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
