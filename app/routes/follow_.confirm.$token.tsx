import { data, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useT } from "~/components/i18n";
import { requestLocale, translator } from "~/locales";
import { confirmFollow, findFollowByToken } from "~/models/follows.server";
import { maskEmail } from "~/server/logger.server";

/**
 * /follow/confirm/<token>, the link in the follow-confirm email (`follow_` keeps it out of the
 * /follow page's layout). GET only shows a button: mail scanners and link previews fetch every
 * URL in an email, so a GET must never confirm anything. POST confirms, idempotently.
 */

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.title ?? "Tomoni"} — Tomoni` },
  { name: "robots", content: "noindex" },
];

// The token is a credential in the URL: a Referer carries our origin only, never the path; no caching.
// NOTE: strict-origin, not no-referrer: under no-referrer the browser sends `Origin: null` with
// this page's form posts (and with every post from this document after client-side navigation),
// which the CSRF guard refuses. https://fetch.spec.whatwg.org/#serializing-a-request-origin
export const headers: HeadersFunction = () => ({ "Referrer-Policy": "strict-origin", "Cache-Control": "no-store" });

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const t = translator(requestLocale(request));
  const follow = await findFollowByToken(context.db, params.token ?? "");
  // Unknown, malformed, or unsubscribed since (coming back takes a new follow): a friendly 404.
  if (!follow || follow.status === "unsubscribed") return data({ title: t("follow.invalid.title"), view: null }, { status: 404 });
  return {
    title: t(follow.status === "active" ? "follow.confirmed.title" : "follow.confirm.title", { target: follow.title }),
    view: { email: maskEmail(follow.email), target: follow.title, path: follow.path, active: follow.status === "active" },
  };
}

export async function action({ params, context }: ActionFunctionArgs) {
  const outcome = await confirmFollow(context.db, params.token ?? "");
  if (!outcome) return data({ confirmed: false }, { status: 404 });
  return { confirmed: true };
}

export default function ConfirmFollow() {
  const { view } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  if (!view || result?.confirmed === false) {
    return (
      <section className="narrow-page">
        <h1>{t("follow.invalid.title")}</h1>
        <p>{t("follow.invalid.body")}</p>
        <p>
          <Link to="/">{t("error.backHome")}</Link>
        </p>
      </section>
    );
  }
  if (view.active) {
    return (
      <section className="narrow-page">
        <h1>{t("follow.confirmed.title", { target: view.target })}</h1>
        <p role="status" className="notice">
          {t("follow.confirmed.body")}
        </p>
        <p>
          <Link to={view.path}>{t("follow.back", { target: view.target })}</Link>
        </p>
      </section>
    );
  }
  return (
    <section className="narrow-page">
      <h1>{t("follow.confirm.title", { target: view.target })}</h1>
      <Form method="post" className="stack">
        <p>{t("follow.confirm.body", { target: view.target, email: view.email })}</p>
        <button type="submit" className="primary-button">
          {t("follow.confirm.submit")}
        </button>
      </Form>
    </section>
  );
}
