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

/** Distinct statements a pool prepares, at most (per connection, PostgreSQL keeps each one's plan). */
export const PREPARED_STATEMENT_LIMIT = 500;
/** Longer texts (a fan-out's multi-row INSERT) are sent unnamed: each is used once or twice. */
const PREPARED_TEXT_MAX = 4_000;

/**
 * A pg client that sends the app's statements as named (prepared) statements: each connection
 * parses and plans a statement once, then only binds and executes it. For the short statements
 * of a webhook that halved PostgreSQL's CPU per event (README, "Performance").
 *
 * Names come from the statement's text, shared by the pool's connections; pg parses a name on
 * each connection the first time that connection runs it. Kysely's SQL is the same text for the
 * same query shape, so the set is small; PREPARED_STATEMENT_LIMIT bounds it anyway (shapes that
 * vary, such as IN lists of varying length, stop being named once it is reached).
 * NOTE: models select named columns, not a table's `*`: a statement prepared before a migration
 * adds a column to its result would fail with "cached plan must not change result type".
 * NOTE: a connection pooler in transaction mode must support protocol-level prepared statements
 * (PgBouncer ≥ 1.21 with max_prepared_statements), as named statements outlive a transaction.
 * https://node-postgres.com/features/queries#prepared-statements
 */
function namingClient(names: Map<string, string>) {
  return class NamingClient extends pg.Client {
    // pg's query() has many overloads; only (text, values) — what Kysely sends — is named, and
    // only with parameters: BEGIN, COMMIT and migrations' DDL go as simple one-message queries.
    override query(...args: unknown[]): never {
      const [text, values] = args;
      if (args.length === 2 && typeof text === "string" && Array.isArray(values) && values.length > 0 && text.length <= PREPARED_TEXT_MAX) {
        let name = names.get(text);
        if (name === undefined && names.size < PREPARED_STATEMENT_LIMIT) names.set(text, (name = `tomoni_${names.size}`));
        if (name !== undefined) return (super.query as (...a: unknown[]) => never)({ name, text, values });
      }
      return (super.query as (...a: unknown[]) => never)(...args);
    }
  };
}

/** The one way to open the database: PGlite (embedded) by default, PostgreSQL with a URL. */
export function createDatabase(options: DatabaseOptions): Database {
  if (options.url) {
    const types = {
      getTypeParser: (oid: number, format?: "text" | "binary") =>
        oid === INT8_OID ? parseInt8 : oid === DATE_OID ? keepDateString : pg.types.getTypeParser(oid, format as "text"),
    };
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, types, Client: namingClient(new Map()) });
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
