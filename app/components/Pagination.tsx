import { Link } from "@remix-run/react";
import { useT } from "~/components/i18n";

/**
 * Previous / "page N of M" / next links for a list of needs. Plain links, so every page has its
 * own URL and works without JavaScript. `label` names the list: a page with two paginated lists
 * needs two distinct navigation landmarks.
 */
export function Pagination({ page, pages, label, href }: { page: number; pages: number; label: string; href: (page: number) => string }) {
  const t = useT();
  if (pages <= 1) return null;
  return (
    <nav className="pagination" aria-label={label}>
      {page > 1 ? (
        <Link to={href(page - 1)} rel="prev">
          {t("explore.page.previous")}
        </Link>
      ) : null}
      <span aria-current="page">{t("explore.page.position", { page, pages })}</span>
      {page < pages ? (
        <Link to={href(page + 1)} rel="next">
          {t("explore.page.next")}
        </Link>
      ) : null}
    </nav>
  );
}
