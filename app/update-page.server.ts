import type { AppLoadContext, LoaderFunctionArgs } from "@remix-run/node";
import { requireMember } from "~/auth/membership.server";
import { getDashboardUpdate } from "~/models/updates.server";

/**
 * The update a /dashboard/:org/updates/:id page (edit or preview) is about, with the member's
 * membership. Non-members, other organisations' updates, deleted ones and ids that are not
 * digits all get the same 404 (never a 500 from the database for a malformed id).
 */
export async function requireDashboardUpdate(request: Request, context: Pick<AppLoadContext, "db" | "env">, params: LoaderFunctionArgs["params"]) {
  const membership = await requireMember(request, context, params.org);
  const id = /^\d{1,15}$/.test(params.id ?? "") ? Number(params.id) : null;
  const update = id === null ? undefined : await getDashboardUpdate(context.db, membership.organisation.id, id);
  if (!update) throw new Response("Not Found", { status: 404 });
  return { ...membership, update };
}
