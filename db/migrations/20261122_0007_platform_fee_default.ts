import { sql, type Kysely } from "kysely";

// Frozen once landed. An organisation's platform fee was 0 by default, and 0 also meant "use
// the platform's PLATFORM_FEE_BPS": an organisation could not be exempted from a non-zero
// platform default. Now NULL means "the platform's default" and 0 means "no fee". Every 0
// stored so far was the default, so it becomes NULL.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE organisations ALTER COLUMN platform_fee_bps DROP NOT NULL`.execute(db);
  await sql`ALTER TABLE organisations ALTER COLUMN platform_fee_bps DROP DEFAULT`.execute(db);
  await sql`UPDATE organisations SET platform_fee_bps = NULL WHERE platform_fee_bps = 0`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`UPDATE organisations SET platform_fee_bps = 0 WHERE platform_fee_bps IS NULL`.execute(db);
  await sql`ALTER TABLE organisations ALTER COLUMN platform_fee_bps SET DEFAULT 0`.execute(db);
  await sql`ALTER TABLE organisations ALTER COLUMN platform_fee_bps SET NOT NULL`.execute(db);
}
