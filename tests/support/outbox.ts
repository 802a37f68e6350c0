import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import type { Database } from "~/db.server";
import { parseEnv, type Env } from "~/env.server";
import { createLogger } from "~/server/logger.server";

/** The email settings tests run with: a fast pacing rate, so only pacing tests wait on it. */
export function emailTestEnv(overrides: Record<string, string> = {}): Env {
  return parseEnv({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    APP_URL: "https://tomoni.test",
    RESEND_API_KEY: "re_test_key",
    EMAIL_FROM: "Tomoni <no-reply@tomoni.test>",
    EMAIL_RATE_PER_SECOND: "1000",
    EMAIL_LEASE_SECONDS: "5",
    EMAIL_MAX_ATTEMPTS: "5",
    ...overrides,
  });
}

export const silentLogger = createLogger({ LOG_LEVEL: "silent" });

/** A clock the test moves by hand: leases and retry times follow it, nothing else does. */
export function testClock(start = new Date()) {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance(ms: number) {
      current += ms;
    },
    set(date: Date) {
      current = date.getTime();
    },
  };
}

/** An active subscription (and its organisation) for non-transactional mail. */
export async function createTestSubscription(db: Database, email: string, slug = `org-${randomBytes(4).toString("hex")}`) {
  const org = await db.insertInto("organisations").values({ slug, name: "Osaka Shelter Network" }).returning("id").executeTakeFirstOrThrow();
  return db
    .insertInto("subscriptions")
    .values({ email, organisation_id: org.id, token: randomBytes(24).toString("base64url") })
    .returning(["id", "token", "organisation_id"])
    .executeTakeFirstOrThrow();
}

/** Pacing slots persist in the database; a test that measures them starts from now. */
export async function resetPacing(db: Database): Promise<void> {
  await sql`UPDATE email_send_pacing SET next_slot = now() WHERE id = 1`.execute(db);
}

export async function outboxRows(db: Database) {
  return db.selectFrom("outbox_emails").selectAll().orderBy("id").execute();
}

/** A promise with its resolve handle, to hold a step until the test lets it go. */
export function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}
