import { data, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { createUserSession, getUser, safeRedirectPath } from "~/auth/session.server";
import { hashToken, looksLikeToken } from "~/auth/tokens.server";
import { SubmitButton } from "~/components/forms";
import { useT } from "~/components/i18n";
import { requestLocale, translator } from "~/locales";
import { confirmSignupRequest, findUsableSignupRequest } from "~/models/signup-requests.server";
import { maskEmail } from "~/server/logger.server";

/**
 * /signup/confirm/<token>, the link in the sign-up email (`signup_` keeps it out of the sign-up
 * page's layout). GET only shows a button: mail scanners and link previews fetch every URL in an
 * email, so a GET must never create an account. POST creates it and logs it in.
 */

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.title ?? ""} — Tomoni` },
  { name: "robots", content: "noindex" },
];

// The token is a credential in the URL: a Referer carries our origin only, never the path; no caching.
// NOTE: strict-origin, not no-referrer: under no-referrer the browser sends `Origin: null` with
// this page's form posts (and with every post from this document after client-side navigation),
// which the CSRF guard refuses. https://fetch.spec.whatwg.org/#serializing-a-request-origin
export const headers: HeadersFunction = () => ({ "Referrer-Policy": "strict-origin", "Cache-Control": "no-store" });

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const t = translator(requestLocale(request));
  const usable = looksLikeToken(params.token) ? await findUsableSignupRequest(context.db, hashToken(params.token)) : undefined;
  if (!usable) return data({ view: "invalid" as const, title: t("signup.confirm.invalid.title"), email: "" }, { status: 404 });
  return { view: "confirm" as const, title: t("signup.confirm.title"), email: maskEmail(usable.email) };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const result = looksLikeToken(params.token) ? await confirmSignupRequest(context.db, { tokenHash: hashToken(params.token) }) : { status: "invalid" as const };
  if (result.status === "created") {
    const cookie = await createUserSession(request, context, result.user.id);
    return redirect(safeRedirectPath(result.redirectTo), { status: 303, headers: { "Set-Cookie": cookie } });
  }
  // A second click on the button, after the first one logged this browser in: carry on.
  if (result.status === "invalid" && (await getUser(request, context))) throw redirect("/dashboard", { status: 303 });
  return data({ outcome: result.status }, { status: result.status === "exists" ? 409 : 404 });
}

export default function ConfirmSignup() {
  const loaderData = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  if (result?.outcome === "exists") {
    return (
      <section className="account-page">
        <h1>{t("signup.confirm.exists.title")}</h1>
        <p>{t("signup.confirm.exists.body")}</p>
        <p>
          <Link to="/login">{t("nav.login")}</Link> · <Link to="/forgot-password">{t("login.forgot")}</Link>
        </p>
      </section>
    );
  }
  if (loaderData.view === "invalid" || result?.outcome === "invalid") {
    return (
      <section className="account-page">
        <h1>{t("signup.confirm.invalid.title")}</h1>
        <p>{t("signup.confirm.invalid.body")}</p>
        <p>
          <Link to="/signup">{t("signup.confirm.invalid.again")}</Link>
        </p>
      </section>
    );
  }
  return (
    <section className="account-page">
      <h1>{t("signup.confirm.title")}</h1>
      <p>{t("signup.confirm.body", { email: loaderData.email })}</p>
      <Form method="post">
        <SubmitButton>{t("signup.confirm.submit")}</SubmitButton>
      </Form>
    </section>
  );
}
