import { sql } from "kysely";
import type { Database } from "~/db.server";

/**
 * Fixed-window counters in PostgreSQL, shared by every app process on the database.
 * Reusable for anything that must be slowed down: logins, reset emails, card testing.
 *
 * One statement per hit: INSERT … ON CONFLICT DO UPDATE SET hits = hits + 1 RETURNING hits.
 * PostgreSQL serialises the increments of one row, so N concurrent hits return 1…N and
 * exactly `limit` of them are allowed; a read-then-write would let a burst through.
 * A window ends on its own: no counter needs resetting and nobody is locked out for good.
 */

export interface RateLimit {
  /** Hits allowed per window; the (limit + 1)th is refused. */
  limit: number;
  /** Window length, at most a day (older rows are pruned). */
  windowSeconds: number;
}

export interface RateLimitResult {
  allowed: boolean;
  hits: number;
  /** Seconds until the current window ends (0 when allowed is true and irrelevant). */
  retryAfterSeconds: number;
}

const MAX_WINDOW_SECONDS = 86_400;

/**
 * Counts one hit on `bucket` and says whether it is within the limit. Time is the
 * database's clock (`now()`), so processes with slightly different clocks share windows;
 * tests may pass `now`.
 */
export async function hit(db: Database, bucket: string, options: RateLimit & { now?: Date }): Promise<RateLimitResult> {
  const { limit, windowSeconds } = options;
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > MAX_WINDOW_SECONDS) {
    throw new RangeError(`windowSeconds must be an integer from 1 to ${MAX_WINDOW_SECONDS}`);
  }
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError("limit must be a non-negative integer");
  const at = options.now ? sql`${options.now.toISOString()}::timestamptz` : sql`now()`;
  const result = await sql<{ hits: number; retry_after: number }>`
    INSERT INTO rate_limit_hits AS r (bucket, window_start, hits)
    VALUES (${bucket}, to_timestamp(floor(extract(epoch FROM ${at}) / ${windowSeconds}) * ${windowSeconds}), 1)
    ON CONFLICT (bucket, window_start) DO UPDATE SET hits = r.hits + 1
    RETURNING r.hits,
      greatest(ceil(extract(epoch FROM r.window_start + make_interval(secs => ${windowSeconds}) - ${at})), 1)::integer AS retry_after
  `.execute(db);
  const row = result.rows[0]!;
  const allowed = row.hits <= limit;
  // Housekeeping without a scheduler: about one hit in a hundred clears windows over a day old.
  if (Math.random() < 0.01) await pruneRateLimitHits(db);
  return { allowed, hits: row.hits, retryAfterSeconds: allowed ? 0 : row.retry_after };
}

/** Hits every bucket (each counts, so no limit can be dodged by tripping another first); refused if any is. */
export async function hitAll(
  db: Database,
  checks: ReadonlyArray<RateLimit & { bucket: string }>,
  now?: Date,
): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
  let allowed = true;
  let retryAfterSeconds = 0;
  for (const check of checks) {
    const result = await hit(db, check.bucket, { ...check, now });
    if (!result.allowed) {
      allowed = false;
      retryAfterSeconds = Math.max(retryAfterSeconds, result.retryAfterSeconds);
    }
  }
  return { allowed, retryAfterSeconds };
}

export async function pruneRateLimitHits(db: Database): Promise<number> {
  const result = await db
    .deleteFrom("rate_limit_hits")
    .where("window_start", "<", sql<Date>`now() - make_interval(secs => ${MAX_WINDOW_SECONDS * 2})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
