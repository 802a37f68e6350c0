import { Link } from "@remix-run/react";
import { useT } from "./i18n";
import { NeedProgress } from "./NeedProgress";
import type { NeedSummary } from "~/models/needs.server";

export function NeedCard({ need, today }: { need: NeedSummary; today: string }) {
  const t = useT();
  return (
    <article className="need-card">
      <h3>
        <Link to={`/needs/${need.slug}`}>{need.title}</Link>
      </h3>
      <p className="organisation">{t("need.by", { organisation: need.organisation.name })}</p>
      {/* Live needs are the norm; anything else (completed, purchased…) says so. */}
      {need.status !== "live" ? <p className={`status status-${need.status}`}>{t(`need.status.${need.status}`)}</p> : null}
      <p className="summary">{need.summary}</p>
      <NeedProgress
        raised={need.raised}
        goal={need.goal}
        currency={need.currency}
        backers={need.backers}
        deadline={need.deadline}
        today={today}
      />
    </article>
  );
}
