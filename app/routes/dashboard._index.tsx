import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/session.server";
import { Notice } from "~/components/forms";
import { useT } from "~/components/i18n";
import { requestLocale, translator } from "~/locales";
import { listMemberships } from "~/models/organisations.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ""} — Tomoni` }];

// Notices a redirect may ask for; anything else in the query string is ignored.
const NOTICES = { "password-reset": "dashboard.notice.passwordReset", left: "dashboard.notice.left" } as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const memberships = await listMemberships(context.db, user.id);
  const notice = new URL(request.url).searchParams.get("notice");
  return {
    title: translator(requestLocale(request))("dashboard.title"),
    notice: notice && Object.hasOwn(NOTICES, notice) ? NOTICES[notice as keyof typeof NOTICES] : null,
    organisations: memberships.map(({ organisation, role }) => ({ slug: organisation.slug, name: organisation.name, role })),
  };
}

export default function Dashboard() {
  const { organisations, notice } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <section className="wide-page">
      <h1>{t("dashboard.title")}</h1>
      {notice ? <Notice>{t(notice)}</Notice> : null}
      {organisations.length === 0 ? (
        <p>{t("dashboard.empty")}</p>
      ) : (
        <ul className="org-list">
          {organisations.map((org) => (
            <li key={org.slug}>
              <h2>
                <Link to={`/dashboard/${org.slug}`}>{org.name}</Link>
              </h2>
              <p className="member-role">{t("dashboard.role", { role: t(`role.${org.role}`) })}</p>
              <p className="org-links">
                <Link to={`/dashboard/${org.slug}`}>{t("dashboard.open")}</Link>
                <Link to={`/dashboard/${org.slug}/settings`}>{t("org.nav.settings")}</Link>
                <Link to={`/dashboard/${org.slug}/members`}>{t("org.nav.members")}</Link>
              </p>
            </li>
          ))}
        </ul>
      )}
      <p className="form-actions">
        <Link to="/dashboard/new-organisation" className="primary-button">
          {t("dashboard.create")}
        </Link>
      </p>
    </section>
  );
}
