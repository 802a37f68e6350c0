import type { Database } from "~/db.server";

let counter = 0;

/** An organisation with needs, just enough rows for subscriptions to point at. */
export async function createOrganisationWithNeeds(
  db: Database,
  options: { name?: string; needTitles?: string[] } = {},
): Promise<{ organisationId: number; needIds: number[] }> {
  counter += 1;
  const slug = `test-org-${process.pid}-${counter}`;
  const organisation = await db
    .insertInto("organisations")
    .values({ slug, name: options.name ?? `Test organisation ${counter}` })
    .returning("id")
    .executeTakeFirstOrThrow();
  const needIds: number[] = [];
  for (const [index, title] of (options.needTitles ?? ["A refrigerator"]).entries()) {
    const need = await db
      .insertInto("needs")
      .values({ organisation_id: organisation.id, slug: `${slug}-need-${index}`, title, status: "live" })
      .returning("id")
      .executeTakeFirstOrThrow();
    needIds.push(need.id);
  }
  return { organisationId: organisation.id, needIds };
}
