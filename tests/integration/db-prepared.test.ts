import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { createDatabase, PREPARED_STATEMENT_LIMIT, type Database } from "~/db.server";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";

/**
 * app/db.server.ts sends the app's parameterised statements to PostgreSQL as named (prepared)
 * statements. A pool of one connection makes pg_prepared_statements — which lists only the
 * asking connection's statements — show exactly what the handle prepared.
 */
describe.skipIf(!onPostgres)("prepared statements on PostgreSQL (skipped on PGlite: no pg pool)", () => {
  let database: TestDatabase;
  let handle: Database | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await handle?.destroy();
    await database?.destroy();
  });

  /** A fresh handle on the test database with one connection. */
  async function oneConnection(): Promise<Database> {
    await handle?.destroy();
    handle = createDatabase({ url: database.url!, poolSize: 1 });
    return handle;
  }

  // Has no parameters, so it is itself sent unnamed and never lists itself.
  const prepared = async (db: Database) =>
    (await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements ORDER BY name`.execute(db)).rows;

  it("prepares a parameterised statement once per connection and reuses it, with the same results", async () => {
    const db = await oneConnection();
    const query = (slug: string) => db.selectFrom("needs").where("slug", "=", slug).select(["id", "slug"]);
    const text = query("x").compile().sql;

    expect(await query("no-such-need").execute()).toEqual([]);
    const [first] = await prepared(db);
    expect(first).toEqual({ name: expect.stringMatching(/^tomoni_\d+$/), statement: text });

    // Another value, the same statement: nothing new is prepared.
    const typed = await sql<{ n: number; s: string }>`SELECT ${41}::int + 1 AS n, ${"寄付"}::text AS s`.execute(db);
    expect(typed.rows).toEqual([{ n: 42, s: "寄付" }]);
    expect(await query("still-none").execute()).toEqual([]);
    const after = await prepared(db);
    expect(after.filter((p) => p.statement === text)).toHaveLength(1);
    expect(after).toHaveLength(2);
  });

  it("sends statements without parameters, and very long ones, unnamed", async () => {
    const db = await oneConnection();
    expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(db)).rows).toEqual([{ one: 1 }]);
    // Over 4,000 characters, like a fan-out's multi-row INSERT: used once, not worth a plan kept per connection.
    const padding = sql.raw(`/* ${"x".repeat(4_100)} */`);
    expect((await sql<{ v: number }>`SELECT ${7}::int AS v ${padding}`.execute(db)).rows).toEqual([{ v: 7 }]);

    expect(await prepared(db)).toEqual([]);
  });

  it(`names at most ${PREPARED_STATEMENT_LIMIT} distinct statements per handle, and still runs the rest`, async () => {
    const db = await oneConnection();
    const distinct = PREPARED_STATEMENT_LIMIT + 5;
    for (let i = 0; i < distinct; i += 1) {
      // A different text each time (the literal), one parameter.
      const row = await sql<{ v: number }>`SELECT ${i}::int + ${sql.lit(i)} AS v`.execute(db);
      expect(row.rows[0]!.v).toBe(2 * i);
    }
    const names = await prepared(db);
    expect(names).toHaveLength(PREPARED_STATEMENT_LIMIT);
    expect(names.some((p) => p.statement.includes(`+ ${distinct - 1} AS v`))).toBe(false);
  });
});
