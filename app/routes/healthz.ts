import type { LoaderFunctionArgs } from "@remix-run/node";
import { pingDatabase } from "~/models/health.server";

/** Liveness and readiness in one: 200 only after a real query succeeds. */
export async function loader({ context }: LoaderFunctionArgs) {
  const dbOk = await pingDatabase(context.db);
  return Response.json(
    dbOk ? { status: "ok", db: "ok" } : { status: "error", db: "unreachable" },
    { status: dbOk ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
}
