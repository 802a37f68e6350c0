import { sql } from "kysely";
import type { Database } from "~/db.server";

/** A real round trip to the database, bounded so a hung connection cannot hang the probe. */
export async function pingDatabase(db: Database, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const ping = sql<{ ok: number }>`SELECT 1 AS ok`
    .execute(db)
    .then((result) => result.rows[0]?.ok === 1)
    .catch(() => false);
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
