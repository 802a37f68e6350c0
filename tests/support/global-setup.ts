import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect } from "kysely";
import type { TestProject } from "vitest/node";
import { migrateToLatest } from "~/models/migrations.server";
import type { DB } from "~/models/schema";

declare module "vitest" {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}

/**
 * PGlite's initdb takes seconds; loading a migrated data directory takes under one.
 * Build that template once per run and let every test file start from a copy.
 */
export default async function setup(project: TestProject) {
  if (process.env.TEST_DATABASE_URL) return;
  const pglite = await PGlite.create();
  const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
  await migrateToLatest(db);
  const tarball = await pglite.dumpDataDir("none");
  const path = join(tmpdir(), `tomoni-pglite-template-${process.pid}.tar`);
  await writeFile(path, Buffer.from(await tarball.arrayBuffer()));
  await db.destroy();
  project.provide("pgliteTemplate", path);
  return () => rm(path, { force: true });
}
