import type { ReactNode } from "react";
import { useLocale } from "./i18n";

/**
 * The tables of the organisers' donations pages (totals per need, donations, a donation's
 * refunds): one scrolling, captioned data table with column headers, rows given as children.
 */
export function DonationsTable({ className, caption, columns, children }: { className: string; caption: string; columns: ReactNode[]; children: ReactNode }) {
  // Focusable and named, so keyboard users can scroll a wide table that holds no links (axe: scrollable-region-focusable).
  return (
    <div className="table-scroll" role="region" aria-label={caption} tabIndex={0}>
      <table className={`data-table ${className}`}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column, index) => (
              <th key={index} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** Dates and times in one fixed time zone, so the server's and the browser's rendering agree; its name is shown. */
export function useDashboardDateTime(): (iso: string) => string {
  const locale = useLocale();
  const format = new Intl.DateTimeFormat(locale, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "Asia/Tokyo",
    timeZoneName: "short",
  });
  return (iso: string) => format.format(new Date(iso));
}
