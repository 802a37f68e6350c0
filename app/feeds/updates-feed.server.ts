import { formatDate, translator, type Locale } from "~/locales";
import { renderMarkdown } from "~/markdown.server";
import type { FeedData, FeedUpdate } from "~/models/timeline.server";
import { ATOM_CONTENT_TYPE, escapeHtml, renderAtom, tagUri } from "./atom.server";

/**
 * A need's or an organisation's updates as an Atom feed. Absolute URLs from APP_URL: a feed
 * reader has no page to resolve a relative link against. Entry ids are tag: URIs of the update's
 * id, so editing an update (its title, its need's slug) never makes it a new entry.
 */

const needUrl = (appUrl: string, slug: string) => `${appUrl}/needs/${encodeURIComponent(slug)}`;
const orgUrl = (appUrl: string, slug: string) => `${appUrl}/orgs/${encodeURIComponent(slug)}`;

export function feedPaths(appUrl: string, data: Pick<FeedData, "kind" | "slug">) {
  const page = data.kind === "need" ? needUrl(appUrl, data.slug) : orgUrl(appUrl, data.slug);
  return { page, feed: `${page}/feed.xml` };
}

function entryUrl(appUrl: string, data: FeedData, update: FeedUpdate): string {
  const page = update.need ? needUrl(appUrl, update.need.slug) : orgUrl(appUrl, data.organisation.slug);
  return `${page}#update-${update.id}`;
}

/** The update's body (sanitised by renderMarkdown) with its date, step and spend note, as the page shows them. */
function entryHtml(appUrl: string, data: FeedData, update: FeedUpdate, locale: Locale): string {
  const t = translator(locale);
  const facts = [t("feed.eventDate", { date: formatDate(update.eventDate, locale) })];
  if (update.lifecycleStep) facts.push(t("feed.step", { step: t(`timeline.step.${update.lifecycleStep}`) }));
  const parts = [`<p>${escapeHtml(facts.join(" · "))}</p>`];
  if (data.kind === "organisation" && update.need) {
    parts.push(`<p><a href="${escapeHtml(needUrl(appUrl, update.need.slug))}">${escapeHtml(update.need.title)}</a></p>`);
  }
  parts.push(renderMarkdown(update.body));
  if (update.spendNote) parts.push(`<p>${escapeHtml(t("feed.spendNote", { note: update.spendNote }))}</p>`);
  return parts.join("\n");
}

export function updatesFeedXml(data: FeedData, options: { appUrl: string; locale: Locale }): string {
  const { appUrl, locale } = options;
  const t = translator(locale);
  const paths = feedPaths(appUrl, data);
  return renderAtom({
    id: tagUri(appUrl, `${data.kind}:${data.id}:updates`),
    title:
      data.kind === "need"
        ? t("feed.need.title", { need: data.title, organisation: data.organisation.name })
        : t("feed.org.title", { organisation: data.organisation.name }),
    updated: data.updatedAt,
    selfUrl: paths.feed,
    alternateUrl: paths.page,
    authorName: data.organisation.name,
    authorUri: orgUrl(appUrl, data.organisation.slug),
    lang: locale,
    entries: data.entries.map((update) => ({
      id: tagUri(appUrl, `update:${update.id}`),
      title: update.title,
      published: update.publishedAt,
      updated: update.editedAt && update.editedAt > update.publishedAt ? update.editedAt : update.publishedAt,
      url: entryUrl(appUrl, data, update),
      contentHtml: entryHtml(appUrl, data, update, locale),
    })),
  });
}

/** What both feed routes answer: the feed, or the same plain 404 for a need or organisation that is not public. */
export function updatesFeedResponse(data: FeedData | undefined, options: { appUrl: string; locale: Locale }): Response {
  if (!data) return new Response("Not Found", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  return new Response(updatesFeedXml(data, options), {
    headers: {
      "Content-Type": ATOM_CONTENT_TYPE,
      // Readers poll; a few minutes' staleness is fine. Dates and titles follow the reader's language.
      "Cache-Control": "public, max-age=300",
      Vary: "Accept-Language, Cookie",
    },
  });
}
