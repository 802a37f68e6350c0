import type { LoaderFunctionArgs } from "@remix-run/node";
import { updatesFeedResponse } from "~/feeds/updates-feed.server";
import { requestLocale } from "~/locales";
import { getOrganisationFeed } from "~/models/timeline.server";

// GET /orgs/:slug/feed.xml — the organisation's own updates and those of its public needs
// (see getOrganisationFeed). `$slug_` keeps it out of the organisation page's layout.

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const feed = await getOrganisationFeed(context.db, params.slug ?? "");
  return updatesFeedResponse(feed, { appUrl: context.env.APP_URL, locale: requestLocale(request) });
}
