import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useT } from "~/components/i18n";
import { NeedCard } from "~/components/NeedCard";
import { requestLocale, translator } from "~/locales";
import { listPublicNeeds } from "~/models/needs.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Tomoni" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const t = translator(requestLocale(request));
  const [live, completed] = await Promise.all([
    listPublicNeeds(context.db, { statuses: ["live"] }),
    listPublicNeeds(context.db, { statuses: ["funded", "purchased", "delivered", "closed"], limit: 6 }),
  ]);
  return {
    title: `${t("app.name")} — ${t("home.title")}`,
    today: new Date().toISOString().slice(0, 10),
    live,
    completed,
  };
}

export default function Home() {
  const { live, completed, today } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <>
      <section className="intro">
        <h1>{t("home.title")}</h1>
        <p>{t("home.intro")}</p>
      </section>
      <section aria-labelledby="live-needs">
        <h2 id="live-needs" className="visually-hidden">
          {t("home.title")}
        </h2>
        {live.length === 0 ? <p>{t("home.empty")}</p> : null}
        <div className="need-grid">
          {live.map((need) => (
            <NeedCard key={need.slug} need={need} today={today} />
          ))}
        </div>
      </section>
      {completed.length > 0 ? (
        <section aria-labelledby="completed-needs">
          <h2 id="completed-needs">{t("home.completed")}</h2>
          <div className="need-grid">
            {completed.map((need) => (
              <NeedCard key={need.slug} need={need} today={today} />
            ))}
          </div>
        </section>
      ) : null}
    </>
  );
}
