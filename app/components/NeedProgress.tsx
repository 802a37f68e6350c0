import { useLocale, useT } from "./i18n";
import { formatMoney, percentOf } from "~/money";

interface Props {
  raised: number;
  goal: number;
  currency: string;
  backers: number;
  deadline: string | null;
  /** "Today" on the server, as YYYY-MM-DD, so server and browser agree on days left. */
  today: string;
}

const DAY_MS = 86_400_000;

export function daysLeft(deadline: string, today: string): number {
  return Math.round((Date.parse(`${deadline}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY_MS);
}

/** Raised of goal as a native <progress> (accessible, no inline style), backers and days left. */
export function NeedProgress({ raised, goal, currency, backers, deadline, today }: Props) {
  const t = useT();
  const locale = useLocale();
  const percent = percentOf(raised, goal);
  const remaining = deadline ? daysLeft(deadline, today) : null;
  return (
    <div className="need-progress">
      <progress max={100} value={percent} aria-label={t("need.progress")}>
        {percent}%
      </progress>
      <p className="raised">
        <strong>{t("need.raisedOf", { raised: formatMoney(raised, currency, locale), goal: formatMoney(goal, currency, locale) })}</strong>{" "}
        <span className="percent">({percent}%)</span>
      </p>
      <p className="meta">
        <span>{backers === 1 ? t("need.backers.one") : t("need.backers", { count: backers })}</span>
        {remaining !== null ? (
          <span>
            {remaining > 1
              ? t("need.daysLeft", { count: remaining })
              : remaining === 1
                ? t("need.daysLeft.one")
                : remaining === 0
                  ? t("need.endsToday")
                  : t("need.ended")}
          </span>
        ) : null}
      </p>
    </div>
  );
}
