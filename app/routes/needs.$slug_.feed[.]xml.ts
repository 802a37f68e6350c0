import type { LoaderFunctionArgs } from "@remix-run/node";
import { updatesFeedResponse } from "~/feeds/updates-feed.server";
import { requestLocale } from "~/locales";
import { getNeedFeed } from "~/models/timeline.server";

// GET /needs/:slug/feed.xml — `$slug_` keeps this resource route out of the need page's layout,
// and `[.]` makes the dot part of the URL rather than a nesting separator.

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  // Drafts, cancelled and unknown needs: the same 404, as on the page itself.
  const feed = await getNeedFeed(context.db, params.slug ?? "");
  return updatesFeedResponse(feed, { appUrl: context.env.APP_URL, locale: requestLocale(request) });
}
