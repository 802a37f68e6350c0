import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect, PostgresDialect } from "kysely";
import pg from "pg";
import type { DB } from "~/models/schema";

export type Database = Kysely<DB>;

export interface DatabaseOptions {
  /** postgres:// URL; without it the embedded PGlite is used. */
  url?: string;
  poolSize?: number;
  /** PGlite data directory; `memory://` (or undefined) keeps it in memory, for tests. */
  dataDir?: string;
  /** A PGlite data directory tarball to start from (tests start from a migrated template). */
  loadDataDir?: Blob;
}

const INT8_OID = 20;
const DATE_OID = 1082;
// A calendar date ('YYYY-MM-DD') has no time zone; turning it into a Date would invent one.
const keepDateString = (value: string) => value;

/**
 * bigint (int8) columns hold money in minor units and counts. They come back as JS numbers:
 * exact up to 2^53, far beyond any donation. Anything larger is a bug, so we fail loudly
 * rather than round silently.
 */
export function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} exceeds the safe integer range`);
  return n;
}

/** The one way to open the database: PGlite (embedded) by default, PostgreSQL with a URL. */
export function createDatabase(options: DatabaseOptions): Database {
  if (options.url) {
    const types = {
      getTypeParser: (oid: number, format?: "text" | "binary") =>
        oid === INT8_OID ? parseInt8 : oid === DATE_OID ? keepDateString : pg.types.getTypeParser(oid, format as "text"),
    };
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, types });
    // An idle client losing its connection (e.g. a database restart) must not crash the process.
    pool.on("error", () => {});
    return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  }
  const dataDir = options.dataDir && options.dataDir !== "memory://" ? options.dataDir : undefined;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  return new Kysely<DB>({
    dialect: new PGliteDialect({
      pglite: () => PGlite.create({ dataDir, loadDataDir: options.loadDataDir, parsers: { [INT8_OID]: parseInt8, [DATE_OID]: keepDateString } }),
    }),
  });
}
