import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireMember } from "~/auth/membership.server";
import { useT } from "~/components/i18n";
import { NeedView } from "~/components/NeedView";
import { getOrganisationNeed } from "~/models/needs.server";
import { getNeedTimeline } from "~/models/timeline.server";
import { needPageData } from "~/need-page.server";
import needsStyles from "~/styles/needs.css";
import timelineStyles from "~/styles/timeline.css";

// $slug_: a page of its own, not nested in the edit page.

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: needsStyles },
  { rel: "stylesheet", href: timelineStyles },
];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.need.title} — Tomoni` : "Tomoni" },
  // A draft must never end up in a search index, even if its preview URL leaks.
  { name: "robots", content: "noindex, nofollow" },
];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { organisation } = await requireMember(request, context, params.org);
  const need = await getOrganisationNeed(context.db, organisation.id, params.slug ?? "");
  if (!need) throw new Response("Not Found", { status: 404 });
  return {
    ...needPageData(need, context.env),
    // The same timeline the public page shows (published updates and milestones only).
    timeline: await getNeedTimeline(context.db, need.id),
    editUrl: `/dashboard/${organisation.slug}/needs/${need.slug}`,
  };
}

export default function NeedPreview() {
  const { need, today, pageUrl, timeline, editUrl } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <>
      <div className="preview-banner" role="note">
        <p>{t("needs.preview.banner")}</p>
        <p>
          <Link to={editUrl}>{t("needs.preview.back")}</Link>
        </p>
      </div>
      <NeedView need={need} today={today} pageUrl={pageUrl} timeline={timeline} />
    </>
  );
}
