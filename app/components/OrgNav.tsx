import { NavLink } from "@remix-run/react";
import { useT } from "./i18n";

/** The tabs of one organisation's dashboard. Any /dashboard/:org page may show it. */
export function OrgNav({ slug, name }: { slug: string; name: string }) {
  const t = useT();
  const base = `/dashboard/${slug}`;
  return (
    <nav className="org-nav" aria-label={t("org.nav.label")}>
      <p className="org-nav-name">{name}</p>
      <ul>
        <li>
          <NavLink to={base} end>
            {t("org.nav.needs")}
          </NavLink>
        </li>
        <li>
          <NavLink to={`${base}/updates`}>{t("updates.nav")}</NavLink>
        </li>
        <li>
          <NavLink to={`${base}/settings`}>{t("org.nav.settings")}</NavLink>
        </li>
        <li>
          <NavLink to={`${base}/members`}>{t("org.nav.members")}</NavLink>
        </li>
        <li>
          <NavLink to={`${base}/payments`}>{t("payments.nav.payments")}</NavLink>
        </li>
        <li>
          <NavLink to={`${base}/donations`}>{t("payments.nav.donations")}</NavLink>
        </li>
      </ul>
    </nav>
  );
}
