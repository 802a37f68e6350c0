import type { AppLoadContext } from "@remix-run/node";
import { getMembership, type Membership } from "~/models/organisations.server";
import type { MemberRole } from "~/models/schema";
import { requireUser, type User } from "./session.server";

/**
 * The logged-in user's membership of an organisation, for every /dashboard/:org page.
 * Anyone who is not a member (or whose role is not in `roles`) gets the same 404 as for an
 * organisation that does not exist: a 403 would confirm that the private page is there.
 * Visitors who are not logged in are sent to log in first.
 */
export async function requireMember(
  request: Request,
  context: Pick<AppLoadContext, "db" | "env">,
  orgSlug: string | undefined,
  roles?: readonly MemberRole[],
): Promise<Membership & { user: User }> {
  const user = await requireUser(request, context);
  const membership = orgSlug ? await getMembership(context.db, user.id, orgSlug) : undefined;
  if (!membership || (roles && !roles.includes(membership.role))) {
    throw new Response("Not Found", { status: 404 });
  }
  return { ...membership, user };
}
