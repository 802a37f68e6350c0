import { Migrator, type MigrationResultSet } from "kysely/migration";
import { migrations } from "../../db/migrations";
import type { Database } from "~/db.server";

/** Brings the schema up to date. Safe to run from several processes: kysely takes a lock. */
export async function migrateToLatest(db: Database): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return result;
}
