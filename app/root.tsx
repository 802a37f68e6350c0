import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import {
  Form,
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import type { ReactNode } from "react";
import { useLocale, useT } from "~/components/i18n";
import { LanguageSwitch } from "~/components/LanguageSwitch";
import { useNonce } from "~/components/nonce";
import { getUser } from "~/auth/session.server";
import { requestLocale } from "~/locales";
import accountsStyles from "~/styles/accounts.css";
import styles from "~/styles/app.css";
import donationsStyles from "~/styles/donations.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: styles },
  { rel: "stylesheet", href: accountsStyles },
  // For the demo-payments banner, which may be on any page.
  { rel: "stylesheet", href: donationsStyles },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await getUser(request, context);
  // Only what the header shows: the root's data reaches every page.
  return {
    locale: requestLocale(request),
    user: user ? { email: user.email } : null,
    // A production site running demo payments says so on every page: nobody should think
    // a demo gift was real (DEMO_PAYMENTS=1 is an explicit choice; env.server.ts).
    demoPaymentsBanner: context.env.isProduction && context.env.DEMO_PAYMENTS === true,
  };
}

/** Log in, or dashboard and log out: a plain form post, so it works without JavaScript. */
function AccountNav() {
  const t = useT();
  const data = useRouteLoaderData<typeof loader>("root");
  const user = data?.user;
  return (
    <nav className="account-nav" aria-label={t("nav.account")}>
      {user ? (
        <>
          <Link to="/dashboard">{t("nav.dashboard")}</Link>
          <Form method="post" action="/logout" reloadDocument>
            <button type="submit" className="link-button" title={t("nav.loggedInAs", { email: user.email })}>
              {t("nav.logout")}
            </button>
          </Form>
        </>
      ) : (
        <Link to="/login">{t("nav.login")}</Link>
      )}
    </nav>
  );
}

function DemoPaymentsBanner() {
  const t = useT();
  const data = useRouteLoaderData<typeof loader>("root");
  if (!data?.demoPaymentsBanner) return null;
  return (
    <p className="demo-banner" role="note">
      {t("donate.banner")}
    </p>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const locale = useLocale();
  const t = useT();
  const nonce = useNonce();
  return (
    <html lang={locale}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          {t("nav.skip")}
        </a>
        <DemoPaymentsBanner />
        <header className="site-header">
          <Link to="/" className="brand">
            {t("app.name")}
          </Link>
          <AccountNav />
          <LanguageSwitch />
        </header>
        <main id="main">{children}</main>
        <footer className="site-footer">
          <p>{t("footer.fee")}</p>
        </footer>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const t = useT();
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  return (
    <section className="error-page">
      <h1>{t(notFound ? "error.notFound.title" : "error.generic.title")}</h1>
      <p>{t(notFound ? "error.notFound.body" : "error.generic.body")}</p>
      <p>
        <Link to="/">{t("error.backHome")}</Link>
      </p>
    </section>
  );
}
