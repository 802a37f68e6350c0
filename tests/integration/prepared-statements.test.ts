import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql, type RawBuilder } from "kysely";
import { createDatabase, PREPARED_STATEMENT_LIMIT, type Database } from "~/db.server";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";
import { createOrganiser, createTestNeed } from "../support/needs";

/**
 * app/db.server.ts sends parameterised statements of up to 4,000 characters to PostgreSQL as
 * named (prepared) statements, `tomoni_<n>`, and everything else unnamed.
 *
 * pg_prepared_statements lists only the asking connection's statements, so most tests use a
 * second handle on the test database with a pool of one connection: what it lists is exactly
 * what that handle prepared. The listing query has no parameters, so it never lists itself.
 */
describe.skipIf(!onPostgres)("prepared statements on PostgreSQL (skipped on PGlite: no pg pool)", () => {
  let database: TestDatabase;
  const handles: Database[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    for (const handle of handles) await handle.destroy();
    await database?.destroy();
  });

  /** A new handle on this test's database (its own pool, its own statement names). */
  function openHandle(poolSize = 1): Database {
    const handle = createDatabase({ url: database.url!, poolSize });
    handles.push(handle);
    return handle;
  }

  const prepared = async (db: Database) =>
    (await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements ORDER BY name`.execute(db)).rows;
  const preparedTexts = async (db: Database) => (await prepared(db)).map((p) => p.statement);

  it("prepares a parameterised query once, under a tomoni_ name, and runs it again with other values", async () => {
    const owner = await createOrganiser(database.db);
    const fridge = await createTestNeed(database.db, owner.organisationId, { title: "Refrigerator" });
    const blankets = await createTestNeed(database.db, owner.organisationId, { title: "Blankets", publish: false });
    const db = openHandle();
    const bySlug = (slug: string) => db.selectFrom("needs").where("slug", "=", slug).select(["id", "title", "status"]);
    const text = bySlug("x").compile().sql;

    expect(await bySlug(fridge.slug).execute()).toEqual([{ id: fridge.id, title: "Refrigerator", status: "live" }]);
    // The second run only binds new values to the statement prepared by the first.
    expect(await bySlug(blankets.slug).execute()).toEqual([{ id: blankets.id, title: "Blankets", status: "draft" }]);
    expect(await bySlug("no-such-need").execute()).toEqual([]);

    const statements = await prepared(db);
    expect(statements).toEqual([{ name: expect.stringMatching(/^tomoni_\d+$/), statement: text }]);
  });

  it("sends a query without parameters unnamed", async () => {
    const db = openHandle();
    const all = db.selectFrom("needs").select("id").orderBy("id");
    // The premise: Kysely compiled it without parameters.
    expect(all.compile().parameters).toEqual([]);

    await all.execute();
    expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(db)).rows).toEqual([{ one: 1 }]);

    expect(await prepared(db)).toEqual([]);
  });

  it("names statements of up to 4,000 characters, not longer ones, and runs both", async () => {
    const db = openHandle();
    // `SELECT $1::int AS v /* xx…x */`, padded to an exact length.
    const ofLength = (length: number) => {
      const padded = (k: number) => sql<{ v: number }>`SELECT ${length}::int AS v ${sql.raw(`/* ${"x".repeat(k)} */`)}`;
      const k = length - padded(0).compile(db).sql.length;
      const query = padded(k);
      expect(query.compile(db).sql).toHaveLength(length);
      return query;
    };
    const longest = ofLength(4_000);
    const tooLong = ofLength(4_001);

    expect((await longest.execute(db)).rows).toEqual([{ v: 4_000 }]);
    expect((await tooLong.execute(db)).rows).toEqual([{ v: 4_001 }]);
    expect((await tooLong.execute(db)).rows).toEqual([{ v: 4_001 }]);

    expect(await preparedTexts(db)).toEqual([longest.compile(db).sql]);
  });

  it("returns the same values through a prepared statement as through an unnamed one", async () => {
    const db = openHandle();
    type Row = { big: number; day: string; at: Date; flag: boolean; nothing: string | null; doc: unknown; words: string; money: string };
    const named = (v: { big: number; day: string; at: Date; flag: boolean; doc: unknown; words: string }) =>
      sql<Row>`SELECT ${v.big}::bigint AS big, ${v.day}::date AS day, ${v.at}::timestamptz AS at, ${v.flag}::boolean AS flag,
        ${null}::text AS nothing, ${JSON.stringify(v.doc)}::jsonb AS doc, ${v.words}::text AS words, ${"1234.50"}::numeric AS money`;
    const first = { big: 9_007_199_254_740_991, day: "2026-11-22", at: new Date("2026-11-22T09:30:00.123Z"), flag: true, doc: { items: [1, "二"] }, words: "寄付 🎁 'quoted'" };
    const second = { big: -42, day: "1999-12-31", at: new Date("2000-01-01T00:00:00Z"), flag: false, doc: [], words: "" };

    const a = (await named(first).execute(db)).rows;
    const b = (await named(second).execute(db)).rows;
    expect(await prepared(db)).toHaveLength(1);

    // Int8 as a number (db.server.ts parseInt8), a date as its calendar string, not a Date.
    expect(a).toEqual([{ ...first, nothing: null, money: "1234.50" }]);
    expect(b).toEqual([{ ...second, nothing: null, money: "1234.50" }]);
    // The same row with literals instead of parameters: sent unnamed, parsed the same way.
    const literal = await sql<Row>`SELECT 9007199254740991::bigint AS big, '2026-11-22'::date AS day,
      '2026-11-22T09:30:00.123Z'::timestamptz AS at, true AS flag, NULL::text AS nothing,
      '{"items": [1, "二"]}'::jsonb AS doc, '寄付 🎁 ''quoted'''::text AS words, 1234.50::numeric AS money`.execute(db);
    expect(literal.rows).toEqual(a);
    expect(await prepared(db)).toHaveLength(1);

    // An int8 beyond 2^53 still fails loudly through a prepared statement.
    await expect(sql`SELECT ${"9007199254740993"}::bigint AS big`.execute(db)).rejects.toThrow(RangeError);
  });

  it("runs a statement whose first parse failed once the table exists", async () => {
    const db = openHandle();
    const query = (id: number) => sql<{ id: number }>`SELECT id FROM prepared_probe WHERE id = ${id}`;
    await expect(query(1).execute(db)).rejects.toThrow(/prepared_probe/);
    // Nothing was prepared, so the next run must parse it again rather than assume it exists.
    expect(await prepared(db)).toEqual([]);

    await sql`CREATE TABLE prepared_probe (id bigint PRIMARY KEY)`.execute(database.db);
    await sql`INSERT INTO prepared_probe VALUES (1), (2)`.execute(database.db);
    expect((await query(2).execute(db)).rows).toEqual([{ id: 2 }]);
    expect(await preparedTexts(db)).toEqual([query(0).compile(db).sql]);
  });

  it("keeps a statement prepared inside a transaction that failed and rolled back", async () => {
    await sql`CREATE TABLE IF NOT EXISTS prepared_unique (k text PRIMARY KEY)`.execute(database.db);
    const db = openHandle();
    const insert = (k: string) => sql`INSERT INTO prepared_unique (k) VALUES (${k})`;

    await expect(
      db.transaction().execute(async (trx) => {
        await insert("a").execute(trx);
        await insert("a").execute(trx); // duplicate key
      }),
    ).rejects.toThrow(/duplicate key/);
    const text = insert("x").compile(db).sql;
    // Protocol-level statements are not transactional: the rollback did not deallocate it.
    expect(await preparedTexts(db)).toEqual([text]);

    // Its next use (outside any transaction now) works, and nothing of the rolled-back one stayed.
    await insert("a").execute(db);
    await insert("b").execute(db);
    const keys = await sql<{ k: string }>`SELECT k FROM prepared_unique ORDER BY k`.execute(db);
    expect(keys.rows).toEqual([{ k: "a" }, { k: "b" }]);
    expect(await preparedTexts(db)).toEqual([text]);
  });

  it("gives a statement one name across the pool, prepared by each connection on its first use", async () => {
    const db = openHandle(2);
    const query: RawBuilder<{ v: string }> = sql`SELECT ${"shared"}::text AS v`;
    // Two open transactions hold both connections of the pool.
    const one = await db.startTransaction().execute();
    const two = await db.startTransaction().execute();
    try {
      const pid = async (trx: Database) => (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx)).rows[0]!.pid;
      expect(await pid(one)).not.toBe(await pid(two));

      expect((await query.execute(one)).rows).toEqual([{ v: "shared" }]);
      const inOne = await prepared(one);
      expect(inOne).toEqual([{ name: expect.stringMatching(/^tomoni_\d+$/), statement: query.compile(db).sql }]);
      // The other connection has not run it yet…
      expect(await prepared(two)).toEqual([]);
      // …and prepares it, under the same name, when it does.
      expect((await query.execute(two)).rows).toEqual([{ v: "shared" }]);
      expect(await prepared(two)).toEqual(inOne);
    } finally {
      await one.commit().execute();
      await two.commit().execute();
    }
  });

  it(`names at most ${PREPARED_STATEMENT_LIMIT} distinct statements per handle, and still runs the rest`, async () => {
    const db = openHandle();
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
