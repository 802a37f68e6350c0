import type { LoaderFunctionArgs } from "@remix-run/node";
import { ATOM_CONTENT_TYPE } from "~/feeds/atom.server";
import { updatesFeedXml } from "~/feeds/updates-feed.server";
import { requestLocale } from "~/locales";
import { getNeedFeed } from "~/models/timeline.server";

// GET /needs/:slug/feed.xml — `$slug_` keeps this resource route out of the need page's layout,
// and `[.]` makes the dot part of the URL rather than a nesting separator.

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  // Drafts, cancelled and unknown needs: the same 404, as on the page itself.
  const feed = await getNeedFeed(context.db, params.slug ?? "");
  if (!feed) return new Response("Not Found", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  return new Response(updatesFeedXml(feed, { appUrl: context.env.APP_URL, locale: requestLocale(request) }), {
    headers: {
      "Content-Type": ATOM_CONTENT_TYPE,
      // Readers poll; a few minutes' staleness is fine. Dates and titles follow the reader's language.
      "Cache-Control": "public, max-age=300",
      Vary: "Accept-Language, Cookie",
    },
  });
}
