import type { ReactNode } from "react";
import { formatDate, type Locale } from "~/locales";
import type { TimelineData, TimelineEntry, TrackStep } from "~/models/timeline.server";
import { useLocale, useT } from "./i18n";
import { Markdown } from "./Markdown";

/**
 * A dated timeline: updates (newest event first) with the need's lifecycle milestones between
 * them, and for a need a progress track of the steps done and still to come. Used on the need
 * page, its organisers' preview and the organisation page. Update bodies are sanitised HTML.
 */

/** An instant, in UTC like every date on the site, so server and browser render the same text. */
const dateTimes = new Map<string, Intl.DateTimeFormat>();
function formatDateTime(iso: string, locale: Locale): string {
  let f = dateTimes.get(locale);
  if (!f) dateTimes.set(locale, (f = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" })));
  const text = f.format(new Date(iso));
  return `${text} UTC`;
}

/** A translated sentence with a React node where its `{name}` placeholder is. */
function withNode(template: (vars: Record<string, string>) => string, name: string, node: ReactNode): ReactNode {
  const marker = "\u0000";
  const [before = "", after = ""] = template({ [name]: marker }).split(marker);
  return (
    <>
      {before}
      {node}
      {after}
    </>
  );
}

function Track({ steps }: { steps: TrackStep[] }) {
  const t = useT();
  const locale = useLocale();
  return (
    <div className="lifecycle">
      <h3 id="lifecycle-progress">{t("timeline.track.title")}</h3>
      <ol className="lifecycle-track" aria-labelledby="lifecycle-progress">
        {steps.map((s) => (
          <li
            key={s.step}
            className={`lifecycle-step ${s.done ? "step-done" : "step-ahead"}${s.current ? " step-current" : ""}`}
            aria-current={s.current ? "step" : undefined}
          >
            <span className="step-name">{t(`timeline.step.${s.step}`)}</span>{" "}
            <span className="step-state">
              {s.done ? (
                s.date ? (
                  <>
                    <span className="visually-hidden">{t("timeline.track.done")}: </span>
                    <time dateTime={s.date}>{formatDate(s.date, locale)}</time>
                  </>
                ) : (
                  t("timeline.track.done")
                )
              ) : (
                t("timeline.track.ahead")
              )}
            </span>
          </li>
        ))}
      </ol>
    </div>
  );
}

function Entry({ entry }: { entry: TimelineEntry }) {
  const t = useT();
  const locale = useLocale();
  if (entry.kind === "milestone") {
    return (
      <li className="timeline-entry timeline-milestone" data-milestone={entry.step}>
        <p className="timeline-date">
          <time dateTime={entry.date}>{formatDate(entry.date, locale)}</time>{" "}
          <span className="step-badge">
            <span className="visually-hidden">{t("timeline.milestone")}: </span>
            {t(`timeline.step.${entry.step}`)}
          </span>
        </p>
        <p className="milestone-text">{t(`timeline.milestone.${entry.step}`)}</p>
      </li>
    );
  }
  const postedDay = entry.publishedAt.slice(0, 10);
  return (
    <li className="timeline-entry timeline-update" id={`update-${entry.id}`}>
      <p className="timeline-date">
        <time dateTime={entry.date}>{formatDate(entry.date, locale)}</time>
        {entry.lifecycleStep ? (
          <>
            {" "}
            <span className="step-badge">{t("timeline.step", { step: t(`timeline.step.${entry.lifecycleStep}`) })}</span>
          </>
        ) : null}
      </p>
      <h3>{entry.title}</h3>
      <Markdown html={entry.html} />
      {entry.spendNote ? <p className="spend-note">{t("timeline.spendNote", { note: entry.spendNote })}</p> : null}
      {postedDay !== entry.date || entry.editedAt ? (
        <p className="timeline-meta">
          {/* Told apart on purpose: when something happened and when it was written down. */}
          {postedDay !== entry.date
            ? withNode((vars) => t("timeline.posted", vars), "date", <time dateTime={entry.publishedAt}>{formatDate(postedDay, locale)}</time>)
            : null}
          {postedDay !== entry.date && entry.editedAt ? " · " : null}
          {entry.editedAt
            ? withNode((vars) => t("timeline.edited", vars), "time", <time dateTime={entry.editedAt}>{formatDateTime(entry.editedAt, locale)}</time>)
            : null}
        </p>
      ) : null}
    </li>
  );
}

export function Timeline({
  data,
  title,
  empty,
  headingId = "timeline",
}: {
  data: TimelineData;
  title: string;
  /** What to say when there is nothing to show yet. */
  empty: string;
  headingId?: string;
}) {
  const t = useT();
  return (
    <section aria-labelledby={headingId} className="timeline-section">
      <h2 id={headingId}>{title}</h2>
      {data.completed ? <p className="timeline-record">{t("timeline.record")}</p> : null}
      {data.track ? <Track steps={data.track} /> : null}
      {data.entries.length === 0 ? (
        <p>{empty}</p>
      ) : (
        <ol className="timeline">
          {data.entries.map((entry) => (
            <Entry key={entry.kind === "update" ? `update-${entry.id}` : `milestone-${entry.step}`} entry={entry} />
          ))}
        </ol>
      )}
    </section>
  );
}
