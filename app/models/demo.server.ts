import { createHash } from "node:crypto";
import { sql } from "kysely";
import { hashPassword } from "~/auth/passwords.server";
import type { Database } from "~/db.server";
import { DEMO_ORGANISER, type DemoNeed, type DemoOrganisation, type DemoOrganiser } from "../../db/demo-content";
import { newSubscriptionToken } from "./subscriptions.server";

const DAY_MS = 86_400_000;
// Any constant works; it only has to be the same in every process that seeds.
const SEED_LOCK_KEY = 7_246_001;

/**
 * A demo organisation's connected account: shaped like demoId("acct") but derived from the
 * slug, so every seeding of the same demo world names the same account.
 */
export function demoAccountId(slug: string): string {
  return `acct_demo_${createHash("sha256").update(`demo-account:${slug}`).digest("hex").slice(0, 24)}`;
}

const daysFrom = (now: Date, days: number) => new Date(now.getTime() + days * DAY_MS);
const isoDate = (date: Date) => date.toISOString().slice(0, 10);

/**
 * When each lifecycle step of a demo need happened, for its timeline: funded on the day its
 * gifts first reached the goal; purchased and delivered on the dates of the updates that say
 * so; closed on the day the story gives.
 */
function demoStepDates(need: DemoNeed, now: Date) {
  const goal = need.items.reduce((sum, item) => sum + item.quantity * item.unitCost, 0);
  let raised = 0;
  let fundedAt: Date | null = null;
  for (const donation of [...need.donations].sort((a, b) => b.daysAgo - a.daysAgo)) {
    raised += donation.amount;
    if (raised >= goal) {
      fundedAt = daysFrom(now, -donation.daysAgo);
      break;
    }
  }
  const stepAt = (step: "purchased" | "delivered") => {
    const update = need.updates.find((u) => u.lifecycleStep === step);
    return update ? daysFrom(now, -update.eventDaysAgo) : null;
  };
  return {
    funded_at: fundedAt,
    purchased_at: stepAt("purchased"),
    delivered_at: stepAt("delivered"),
    closed_at: need.status === "closed" && need.closedDaysAgo !== undefined ? daysFrom(now, -need.closedDaysAgo) : null,
  };
}

/**
 * Seeds demo content into an empty database, in one transaction, so it is all or nothing.
 * Idempotent: an advisory lock serialises processes starting together, and an organisation
 * that already exists (by slug) is left alone with everything under it.
 * Returns the number of organisations created.
 */
export async function seedDemoContent(
  db: Database,
  organisations: DemoOrganisation[],
  now = new Date(),
  organiser: DemoOrganiser | null = DEMO_ORGANISER,
): Promise<number> {
  // Hashed before the transaction, which holds the seed lock: argon2 takes tens of milliseconds.
  const organiserHash = organiser ? await hashPassword(organiser.password) : null;
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${SEED_LOCK_KEY})`.execute(trx);
    const existing = await trx.selectFrom("organisations").select("id").limit(1).executeTakeFirst();
    if (existing) return 0;

    let organiserId: number | undefined;
    if (organiser && organiserHash) {
      await trx
        .insertInto("users")
        .values({ email: organiser.email, password_hash: organiserHash, display_name: organiser.displayName })
        .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
        .execute();
      const user = await trx.selectFrom("users").select("id").where(sql<string>`lower(email)`, "=", organiser.email.toLowerCase()).executeTakeFirstOrThrow();
      organiserId = user.id;
    }

    let created = 0;
    for (const org of organisations) {
      const inserted = await trx
        .insertInto("organisations")
        .values({
          slug: org.slug,
          name: org.name,
          summary: org.summary,
          about: org.about,
          region: org.region,
          website: org.website,
          // Onboarded (with demo payments), so the demo needs are live and take demo donations.
          stripe_account_id: demoAccountId(org.slug),
          charges_enabled: true,
          payouts_enabled: true,
          details_submitted: true,
        })
        .onConflict((oc) => oc.column("slug").doNothing())
        .returning("id")
        .executeTakeFirst();
      if (!inserted) continue;
      created++;
      if (organiserId !== undefined) {
        await trx.insertInto("organisation_members").values({ organisation_id: inserted.id, user_id: organiserId, role: "owner" }).execute();
      }

      for (const need of org.needs) {
        const publishedAt = daysFrom(now, -need.publishedDaysAgo);
        const { id: needId } = await trx
          .insertInto("needs")
          .values({
            organisation_id: inserted.id,
            slug: need.slug,
            title: need.title,
            summary: need.summary,
            story: need.story,
            surplus_policy: need.surplusPolicy,
            currency: "JPY",
            status: need.status,
            deadline: need.deadlineInDays === null ? null : isoDate(daysFrom(now, need.deadlineInDays)),
            published_at: publishedAt,
            created_at: publishedAt,
            ...demoStepDates(need, now),
          })
          .returning("id")
          .executeTakeFirstOrThrow();

        const itemIds: number[] = [];
        for (const [position, item] of need.items.entries()) {
          const { id } = await trx
            .insertInto("items")
            .values({
              need_id: needId,
              position,
              name: item.name,
              description: item.description ?? "",
              quantity: item.quantity,
              unit_cost: item.unitCost,
            })
            .returning("id")
            .executeTakeFirstOrThrow();
          itemIds.push(id);
        }

        if (need.donations.length > 0) {
          await trx
            .insertInto("donations")
            .values(
              need.donations.map((d) => ({
                need_id: needId,
                item_id: d.itemIndex === undefined ? null : (itemIds[d.itemIndex] ?? null),
                amount: d.amount,
                currency: "JPY",
                donor_name: d.donorName,
                donor_email: d.donorEmail,
                show_name: d.showName,
                message: d.message ?? "",
                updates_opt_in: d.updatesOptIn,
                locale: d.locale,
                status: "succeeded" as const,
                stripe_checkout_session_id: `cs_demo_seed_${need.slug}_${d.key}`,
                created_at: daysFrom(now, -d.daysAgo),
                succeeded_at: daysFrom(now, -d.daysAgo),
              })),
            )
            .execute();

          // Backers who opted in follow their need, in the language they gave in (one row per
          // address: the subscriptions' UNIQUE (lower(email), organisation, need) decides).
          const optedIn = need.donations.filter((d) => d.updatesOptIn);
          if (optedIn.length > 0) {
            await trx
              .insertInto("subscriptions")
              .values(
                optedIn.map((d) => ({
                  email: d.donorEmail,
                  organisation_id: inserted.id,
                  need_id: needId,
                  token: newSubscriptionToken(),
                  locale: d.locale,
                  status: "active" as const,
                  source: "donation" as const,
                  created_at: daysFrom(now, -d.daysAgo),
                  confirmed_at: daysFrom(now, -d.daysAgo),
                })),
              )
              .onConflict((oc) => oc.expression(sql`lower(email), organisation_id, coalesce(need_id, 0)`).doNothing())
              .execute();
          }
        }

        if (need.updates.length > 0) {
          await trx
            .insertInto("updates")
            .values(
              need.updates.map((u) => ({
                organisation_id: inserted.id,
                need_id: needId,
                title: u.title,
                body: u.body,
                event_date: isoDate(daysFrom(now, -u.eventDaysAgo)),
                published_at: daysFrom(now, -u.publishedDaysAgo),
                created_at: daysFrom(now, -u.publishedDaysAgo),
                lifecycle_step: u.lifecycleStep ?? null,
                spend_note: u.spendNote ?? "",
                author_id: organiserId ?? null,
                // Written for the demo with nobody named, shown or located.
                consent_confirmed: true,
              })),
            )
            .execute();
        }
      }
    }
    return created;
  });
}
