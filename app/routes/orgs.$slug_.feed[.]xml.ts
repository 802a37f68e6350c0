import type { LoaderFunctionArgs } from "@remix-run/node";
import { ATOM_CONTENT_TYPE } from "~/feeds/atom.server";
import { updatesFeedXml } from "~/feeds/updates-feed.server";
import { requestLocale } from "~/locales";
import { getOrganisationFeed } from "~/models/timeline.server";

// GET /orgs/:slug/feed.xml — the organisation's own updates and those of its public needs
// (see getOrganisationFeed). `$slug_` keeps it out of the organisation page's layout.

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const feed = await getOrganisationFeed(context.db, params.slug ?? "");
  if (!feed) return new Response("Not Found", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  return new Response(updatesFeedXml(feed, { appUrl: context.env.APP_URL, locale: requestLocale(request) }), {
    headers: {
      "Content-Type": ATOM_CONTENT_TYPE,
      "Cache-Control": "public, max-age=300",
      Vary: "Accept-Language, Cookie",
    },
  });
}
