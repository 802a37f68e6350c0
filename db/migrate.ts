/** `npm run db:migrate`: bring the configured database up to date, then exit. */
import { createDatabase } from "~/db.server";
import { EnvError, loadEnv } from "~/env.server";
import { migrateToLatest } from "~/models/migrations.server";

try {
  const env = loadEnv();
  const db = createDatabase({ url: env.DATABASE_URL, poolSize: 1, dataDir: env.DATA_DIR });
  try {
    const { results = [] } = await migrateToLatest(db);
    for (const r of results) console.log(`${r.status}: ${r.migrationName}`);
    if (results.length === 0) console.log("Already up to date.");
  } finally {
    await db.destroy();
  }
} catch (error) {
  console.error(error instanceof EnvError ? error.message : error);
  process.exit(1);
}
