import type { Env } from "~/env.server";
import { renderMarkdown } from "~/markdown.server";
import type { NeedDetail } from "~/models/needs.server";

/** Today as 'YYYY-MM-DD' (UTC), decided on the server so server and browser count days alike. */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * What the public need page and the organisers' preview render: the same data, so the
 * preview cannot drift from the real page. The address is absolute (APP_URL) because it is
 * shared and put in Open Graph tags, where a relative URL means nothing.
 */
export function needPageData(need: NeedDetail, env: Pick<Env, "APP_URL">) {
  return {
    need: {
      ...need,
      story: renderMarkdown(need.story),
    },
    today: today(),
    pageUrl: `${env.APP_URL}/needs/${need.slug}`,
    siteName: "Tomoni",
  };
}
