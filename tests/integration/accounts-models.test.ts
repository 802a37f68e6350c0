import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireMember } from "~/auth/membership.server";
import { hashPassword, needsRehash, PASSWORD_HASH_OPTIONS, verifyAgainstDummy, verifyPassword } from "~/auth/passwords.server";
import { SESSION_IDLE_SECONDS } from "~/auth/session.server";
import { hashToken, newToken } from "~/auth/tokens.server";
import type { Database } from "~/db.server";
import { parseEnv } from "~/env.server";
import { acceptInvitation, createInvitation } from "~/models/invitations.server";
import { getMembership, listMemberships, removeMember } from "~/models/organisations.server";
import { hit, hitAll, pruneRateLimitHits } from "~/models/rate-limits.server";
import { deleteExpiredSessions, findActiveSession, insertSession, touchSession } from "~/models/sessions.server";
import { seedDemoContent } from "~/models/demo.server";
import { consumePasswordReset, createPasswordReset, findUserByEmail } from "~/models/users.server";
import { DEMO_ORGANISATIONS, DEMO_ORGANISER } from "../../db/demo-content";
import { hash } from "@node-rs/argon2";
import { createTestOrganisation, createTestUser } from "../support/accounts";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database";

let database: TestDatabase;
let db: Database;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
});
afterAll(async () => {
  await database?.destroy();
});

let bucketCounter = 0;
const freshBucket = () => `test:${process.pid}:${++bucketCounter}`;

describe("rate limits (hit)", () => {
  it("allows `limit` hits per window, refuses the next with the seconds left, and allows again in the next window", async () => {
    const bucket = freshBucket();
    const now = new Date("2026-11-22T10:00:10Z"); // 10 s into a 60 s window
    for (let i = 1; i <= 3; i++) expect(await hit(db, bucket, { limit: 3, windowSeconds: 60, now })).toEqual({ allowed: true, hits: i, retryAfterSeconds: 0 });
    expect(await hit(db, bucket, { limit: 3, windowSeconds: 60, now })).toEqual({ allowed: false, hits: 4, retryAfterSeconds: 50 });
    const later = new Date("2026-11-22T10:00:59.5Z");
    expect((await hit(db, bucket, { limit: 3, windowSeconds: 60, now: later })).retryAfterSeconds).toBe(1);
    const nextWindow = new Date("2026-11-22T10:01:00Z");
    expect(await hit(db, bucket, { limit: 3, windowSeconds: 60, now: nextWindow })).toMatchObject({ allowed: true, hits: 1 });
  });

  it("keeps buckets apart", async () => {
    const a = freshBucket();
    const b = freshBucket();
    await hit(db, a, { limit: 1, windowSeconds: 60 });
    expect((await hit(db, a, { limit: 1, windowSeconds: 60 })).allowed).toBe(false);
    expect((await hit(db, b, { limit: 1, windowSeconds: 60 })).allowed).toBe(true);
  });

  it("lets exactly `limit` of many simultaneous hits through (one atomic upsert per hit)", async () => {
    const bucket = freshBucket();
    const results = await Promise.all(Array.from({ length: 25 }, () => hit(db, bucket, { limit: 5, windowSeconds: 300 })));
    expect(results.filter((r) => r.allowed)).toHaveLength(5);
    expect(results.map((r) => r.hits).sort((x, y) => x - y)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it("refuses when any bucket of several is over, counting all of them", async () => {
    const open = freshBucket();
    const full = freshBucket();
    await hit(db, full, { limit: 1, windowSeconds: 60 });
    const result = await hitAll(db, [
      { bucket: open, limit: 5, windowSeconds: 60 },
      { bucket: full, limit: 1, windowSeconds: 60 },
    ]);
    expect(result.allowed).toBe(false);
    expect(result.retryAfterSeconds).toBeGreaterThan(0);
    const row = await db.selectFrom("rate_limit_hits").select("hits").where("bucket", "=", open).executeTakeFirstOrThrow();
    expect(row.hits).toBe(1);
  });

  it("refuses nonsense windows", async () => {
    await expect(hit(db, freshBucket(), { limit: 1, windowSeconds: 0 })).rejects.toThrow(RangeError);
    await expect(hit(db, freshBucket(), { limit: 1, windowSeconds: 86_401 })).rejects.toThrow(RangeError);
  });

  it("prunes windows older than two days only", async () => {
    const old = freshBucket();
    const recent = freshBucket();
    await hit(db, old, { limit: 1, windowSeconds: 60, now: new Date(Date.now() - 3 * 86_400_000) });
    await hit(db, recent, { limit: 1, windowSeconds: 60 });
    expect(await pruneRateLimitHits(db)).toBeGreaterThanOrEqual(1);
    const left = await db.selectFrom("rate_limit_hits").select("bucket").where("bucket", "in", [old, recent]).execute();
    expect(left.map((r) => r.bucket)).toEqual([recent]);
  });
});

describe("passwords", () => {
  it("hashes with argon2id at OWASP's parameters and verifies", async () => {
    expect(PASSWORD_HASH_OPTIONS).toMatchObject({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    const stored = await hashPassword("pässwörd 🔑 long");
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(stored, "pässwörd 🔑 long")).toBe(true);
    expect(await verifyPassword(stored, "pässwörd 🔑 lonG")).toBe(false);
    expect(await verifyPassword("not a hash", "x")).toBe(false);
    expect(needsRehash(stored)).toBe(false);
  });

  it("asks to rehash weaker hashes", async () => {
    const weak = await hash("password", { memoryCost: 4096, timeCost: 1, parallelism: 1 });
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash("garbage")).toBe(true);
  });

  it("spends an argon2 verification on unknown users too", async () => {
    await verifyAgainstDummy("warm up");
    const started = performance.now();
    expect(await verifyAgainstDummy("anything")).toBe(false);
    // A real argon2id verification at 19 MiB takes well over a millisecond.
    expect(performance.now() - started).toBeGreaterThan(3);
  });
});

describe("sessions", () => {
  it("are active until idle for the idle timeout or past their absolute expiry", async () => {
    const user = await createTestUser(db);
    const idHash = hashToken(newToken());
    const now = new Date();
    await insertSession(db, { idHash, userId: user.id, now, expiresAt: new Date(now.getTime() + 30 * 86_400_000) });
    expect((await findActiveSession(db, idHash, { now, idleSeconds: SESSION_IDLE_SECONDS }))?.user).toMatchObject({ id: user.id, email: user.email });
    const eightDays = new Date(now.getTime() + 8 * 86_400_000);
    expect(await findActiveSession(db, idHash, { now: eightDays, idleSeconds: SESSION_IDLE_SECONDS })).toBeUndefined();
    const thirtyOneDays = new Date(now.getTime() + 31 * 86_400_000);
    await db.updateTable("sessions").set({ last_seen_at: thirtyOneDays }).where("id_hash", "=", idHash).execute();
    expect(await findActiveSession(db, idHash, { now: thirtyOneDays, idleSeconds: SESSION_IDLE_SECONDS })).toBeUndefined();
    expect(await deleteExpiredSessions(db, { now: thirtyOneDays, idleSeconds: SESSION_IDLE_SECONDS })).toBeGreaterThanOrEqual(1);
  });

  it("touch writes at most once per interval", async () => {
    const user = await createTestUser(db);
    const idHash = hashToken(newToken());
    const start = new Date("2026-11-22T10:00:00Z");
    await insertSession(db, { idHash, userId: user.id, now: start, expiresAt: new Date("2026-12-22T10:00:00Z") });
    const seen = async () => (await db.selectFrom("sessions").select("last_seen_at").where("id_hash", "=", idHash).executeTakeFirstOrThrow()).last_seen_at.toISOString();
    await touchSession(db, idHash, { now: new Date("2026-11-22T10:00:30Z"), minIntervalSeconds: 60 });
    expect(await seen()).toBe("2026-11-22T10:00:00.000Z");
    await touchSession(db, idHash, { now: new Date("2026-11-22T10:01:30Z"), minIntervalSeconds: 60 });
    expect(await seen()).toBe("2026-11-22T10:01:30.000Z");
  });
});

describe("password reset links", () => {
  it("work once even when used twice at the same moment", async () => {
    const user = await createTestUser(db);
    const tokenHash = hashToken(newToken());
    await createPasswordReset(db, { userId: user.id, tokenHash, expiresAt: new Date(Date.now() + 3_600_000) });
    const passwordHash = await hashPassword("new passphrase here");
    const results = await Promise.all([consumePasswordReset(db, { tokenHash, passwordHash }), consumePasswordReset(db, { tokenHash, passwordHash })]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});

describe("memberships", () => {
  it("getMembership gives the organisation and role to members only", async () => {
    const owner = await createTestUser(db);
    const stranger = await createTestUser(db);
    const organisation = await createTestOrganisation(db, [{ userId: owner.id, role: "owner" }]);
    expect(await getMembership(db, owner.id, organisation.slug)).toEqual({
      organisation: expect.objectContaining({ id: organisation.id, slug: organisation.slug, name: organisation.name }),
      role: "owner",
    });
    expect(await getMembership(db, stranger.id, organisation.slug)).toBeUndefined();
    expect(await getMembership(db, owner.id, "no-such-organisation")).toBeUndefined();
    expect((await listMemberships(db, owner.id)).map((m) => m.organisation.slug)).toEqual([organisation.slug]);
  });

  it("requireMember: 404 for non-members and for roles not allowed, login redirect for visitors", async () => {
    const owner = await createTestUser(db);
    const organiser = await createTestUser(db);
    const organisation = await createTestOrganisation(db, [
      { userId: owner.id, role: "owner" },
      { userId: organiser.id, role: "organiser" },
    ]);
    const env = parseEnv({ NODE_ENV: "test" });
    const context = { db, env };
    const requestAs = async (userId: number | null) => {
      const headers: Record<string, string> = {};
      if (userId !== null) {
        const token = newToken();
        const now = new Date();
        await insertSession(db, { idHash: hashToken(token), userId, now, expiresAt: new Date(now.getTime() + 86_400_000) });
        headers.Cookie = `tomoni_session=${token}`;
      }
      return new Request(`http://localhost/dashboard/${organisation.slug}/members`, { headers });
    };
    const caught = async (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as Response);

    const asOwner = await requireMember(await requestAs(owner.id), context, organisation.slug, ["owner"]);
    expect(asOwner.role).toBe("owner");
    expect(asOwner.user.id).toBe(owner.id);
    expect((await caught(requireMember(await requestAs(organiser.id), context, organisation.slug, ["owner"])))?.status).toBe(404);
    expect((await requireMember(await requestAs(organiser.id), context, organisation.slug)).role).toBe("organiser");
    const stranger = await createTestUser(db);
    expect((await caught(requireMember(await requestAs(stranger.id), context, organisation.slug)))?.status).toBe(404);
    expect((await caught(requireMember(await requestAs(stranger.id), context, undefined)))?.status).toBe(404);
    const anonymous = await caught(requireMember(await requestAs(null), context, organisation.slug));
    expect(anonymous?.status).toBe(302);
    expect(anonymous?.headers.get("location")).toBe(`/login?redirectTo=${encodeURIComponent(`/dashboard/${organisation.slug}/members`)}`);
  });

  it(`never leaves an organisation without an owner, even when two owners remove each other at once${onPostgres ? "" : " (serialised on PGlite)"}`, async () => {
    for (let round = 0; round < 8; round++) {
      const a = await createTestUser(db);
      const b = await createTestUser(db);
      const organisation = await createTestOrganisation(db, [
        { userId: a.id, role: "owner" },
        { userId: b.id, role: "owner" },
      ]);
      const results = await Promise.all([removeMember(db, organisation.id, a.id), removeMember(db, organisation.id, b.id)]);
      expect(results.sort()).toEqual(["last-owner", "removed"]);
      const owners = await db.selectFrom("organisation_members").select("user_id").where("organisation_id", "=", organisation.id).where("role", "=", "owner").execute();
      expect(owners).toHaveLength(1);
    }
  });

  it("accepts an invitation once under simultaneous acceptance, and never demotes an owner", async () => {
    const owner = await createTestUser(db);
    const invitee = await createTestUser(db);
    const organisation = await createTestOrganisation(db, [{ userId: owner.id, role: "owner" }]);
    const tokenHash = hashToken(newToken());
    await createInvitation(db, { organisationId: organisation.id, email: invitee.email, role: "organiser", invitedBy: owner.id, tokenHash, expiresAt: new Date(Date.now() + 86_400_000) });
    const user = { id: invitee.id, email: invitee.email, displayName: "", locale: "en" as const };
    const results = await Promise.all([acceptInvitation(db, { tokenHash, user }), acceptInvitation(db, { tokenHash, user })]);
    expect(results.map((r) => r.status).sort()).toEqual(["accepted", "used"]);

    const ownerHash = hashToken(newToken());
    await createInvitation(db, { organisationId: organisation.id, email: owner.email, role: "organiser", invitedBy: owner.id, tokenHash: ownerHash, expiresAt: new Date(Date.now() + 86_400_000) });
    expect((await acceptInvitation(db, { tokenHash: ownerHash, user: { id: owner.id, email: owner.email, displayName: "", locale: "en" } })).status).toBe("accepted");
    expect(await getMembership(db, owner.id, organisation.slug)).toMatchObject({ role: "owner" });
  });
});

describe("demo organiser", () => {
  it("is seeded with the demo organisations as their owner, with a working password, once", async () => {
    const fresh = await createTestDatabase();
    try {
      await seedDemoContent(fresh.db, DEMO_ORGANISATIONS);
      await seedDemoContent(fresh.db, DEMO_ORGANISATIONS);
      const user = await findUserByEmail(fresh.db, DEMO_ORGANISER.email);
      expect(user).toBeDefined();
      expect(await verifyPassword(user!.passwordHash!, DEMO_ORGANISER.password)).toBe(true);
      const memberships = await listMemberships(fresh.db, user!.id);
      expect(memberships.map((m) => [m.organisation.slug, m.role]).sort()).toEqual(DEMO_ORGANISATIONS.map((o) => [o.slug, "owner"]).sort());
      expect(await fresh.db.selectFrom("users").select("id").execute()).toHaveLength(1);
    } finally {
      await fresh.destroy();
    }
  });
});

// The raw SQL above must run on both drivers; this guards against a PGlite-only test database.
it("runs on the configured database", async () => {
  const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(db);
  expect(rows[0]?.one).toBe(1);
  expect(database.kind).toBe(onPostgres ? "postgresql" : "pglite");
});
