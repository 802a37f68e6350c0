import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { NeedView } from "~/components/NeedView";
import { getPublicNeed } from "~/models/needs.server";
import { needPageData } from "~/need-page.server";
import needsStyles from "~/styles/needs.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: needsStyles }];

/**
 * Title, description and the Open Graph / Twitter card tags, so a link shared on LINE, X or
 * Facebook shows the need's title and summary. https://ogp.me/
 */
export const meta: MetaFunction<typeof loader> = ({ data, matches }) => {
  if (!data) return [];
  const locale = (matches.find((m) => m.id === "root")?.data as { locale?: string } | undefined)?.locale;
  const { need, pageUrl, siteName } = data;
  return [
    { title: `${need.title} — ${siteName}` },
    { name: "description", content: need.summary },
    { tagName: "link", rel: "canonical", href: pageUrl },
    { property: "og:type", content: "website" },
    { property: "og:site_name", content: siteName },
    { property: "og:title", content: need.title },
    { property: "og:description", content: need.summary },
    { property: "og:url", content: pageUrl },
    { property: "og:locale", content: locale === "ja" ? "ja_JP" : "en_GB" },
    { name: "twitter:card", content: "summary" },
    { name: "twitter:title", content: need.title },
    { name: "twitter:description", content: need.summary },
  ];
};

export async function loader({ params, context }: LoaderFunctionArgs) {
  // Drafts and cancelled needs are not public: the same 404 as a slug that never existed.
  const need = await getPublicNeed(context.db, params.slug ?? "");
  if (!need) throw new Response("Not Found", { status: 404 });
  return needPageData(need, context.env);
}

export default function NeedPage() {
  const { need, today, pageUrl } = useLoaderData<typeof loader>();
  return <NeedView need={need} today={today} pageUrl={pageUrl} />;
}
