import { sql } from "kysely";
import type { Database } from "~/db.server";
import { COUNTED } from "./needs.server";

/**
 * The public "who gave" list of a need. A donor who chose "anonymous to the public" is never
 * named here (organisers still see the name in the dashboard); no email, no amount — the
 * page shows totals, and a gift's size is the donor's business.
 */
export interface Supporter {
  /** null when the donor asked not to be named publicly. */
  name: string | null;
  message: string;
  itemName: string | null;
  /** When the payment succeeded, as 'YYYY-MM-DD' (UTC). */
  date: string;
}

export async function listSupporters(db: Database, needId: number, limit = 30): Promise<Supporter[]> {
  const rows = await db
    .selectFrom("donations as d")
    .leftJoin("items as i", "i.id", "d.item_id")
    .where("d.need_id", "=", needId)
    // Only money that counts: a refunded or disputed gift leaves the list with its money.
    .where(sql<boolean>`${COUNTED} > 0`)
    .select([
      "d.donor_name",
      "d.show_name",
      "d.message",
      "i.name as item_name",
      sql<string>`to_char(coalesce(d.succeeded_at, d.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`.as("date"),
    ])
    .orderBy(sql`coalesce(d.succeeded_at, d.created_at)`, "desc")
    .orderBy("d.id", "desc")
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    name: row.show_name && row.donor_name.trim() !== "" ? row.donor_name.trim() : null,
    message: row.message.trim(),
    itemName: row.item_name,
    date: row.date,
  }));
}
