import { data, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useT } from "~/components/i18n";
import { requestLocale, translator } from "~/locales";
import { findByToken, unsubscribe } from "~/models/subscriptions.server";
import { maskEmail } from "~/server/logger.server";

/**
 * The unsubscribe link of every non-transactional email. GET only shows the choice (link
 * scanners fetch URLs, so a GET must never unsubscribe); POST unsubscribes. Mail clients post
 * `List-Unsubscribe=One-Click` (RFC 8058) from their servers, without cookies: the token is
 * the credential, and the subscription's own scope is what one click means.
 */

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.title ?? "Tomoni"} — Tomoni` },
  { name: "robots", content: "noindex" },
];

// The token is in the URL: a Referer carries our origin only, never the path; no caching.
// NOTE: strict-origin, not no-referrer: under no-referrer the browser sends `Origin: null` with
// this page's form posts (and with every post from this document after client-side navigation),
// which the CSRF guard refuses. https://fetch.spec.whatwg.org/#serializing-a-request-origin
export const headers: HeadersFunction = () => ({ "Referrer-Policy": "strict-origin", "Cache-Control": "no-store" });

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const t = translator(requestLocale(request));
  const subscription = await findByToken(context.db, params.token ?? "");
  if (!subscription) return data({ title: t("unsubscribe.invalid.title"), view: null }, { status: 400 });
  return {
    title: t(subscription.unsubscribedFrom ? "unsubscribe.done.title" : "unsubscribe.title"),
    view: {
      email: maskEmail(subscription.email),
      organisationName: subscription.organisationName,
      needTitle: subscription.needId !== null ? subscription.needTitle : null,
      unsubscribedFrom: subscription.unsubscribedFrom,
    },
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  // A one-click body, our form's `scope` field, or (from a sloppy client) nothing readable at all.
  const form = await request.formData().catch(() => null);
  const requested = form?.get("scope");
  const choice = requested === "need" || requested === "organisation" ? requested : undefined;
  const result = await unsubscribe(context.db, params.token ?? "", choice);
  if (!result) return data({ done: null }, { status: 400 });
  return { done: result.scope };
}

export default function Unsubscribe() {
  const { view } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const t = useT();

  if (!view) {
    return (
      <section className="narrow-page">
        <h1>{t("unsubscribe.invalid.title")}</h1>
        <p>{t("unsubscribe.invalid.body")}</p>
        <p>
          <Link to="/">{t("error.backHome")}</Link>
        </p>
      </section>
    );
  }

  const organisation = view.organisationName;
  if (view.unsubscribedFrom) {
    return (
      <section className="narrow-page">
        <h1>{t("unsubscribe.done.title")}</h1>
        {actionData?.done ? (
          <p role="status" className="notice">
            {t("unsubscribe.saved")}
          </p>
        ) : null}
        <p>
          {view.unsubscribedFrom === "need" && view.needTitle
            ? t("unsubscribe.done.need", { need: view.needTitle })
            : t("unsubscribe.done.organisation", { organisation })}
        </p>
        <p>{t("unsubscribe.receipts")}</p>
        {view.unsubscribedFrom === "need" ? (
          <Form method="post" className="stack">
            <p>{t("unsubscribe.more", { organisation })}</p>
            <input type="hidden" name="scope" value="organisation" />
            <button type="submit" className="button">
              {t("unsubscribe.moreSubmit", { organisation })}
            </button>
          </Form>
        ) : null}
      </section>
    );
  }

  return (
    <section className="narrow-page">
      <h1>{t("unsubscribe.title")}</h1>
      <Form method="post" className="stack">
        {view.needTitle ? <p>{t("unsubscribe.intro", { email: view.email })}</p> : null}
        {view.needTitle ? (
          <fieldset className="choices">
            <legend>{t("unsubscribe.choice.legend")}</legend>
            <p className="choice">
              <input type="radio" id="scope-need" name="scope" value="need" defaultChecked />
              <label htmlFor="scope-need">{t("unsubscribe.choice.need", { need: view.needTitle })}</label>
            </p>
            <p className="choice">
              <input type="radio" id="scope-organisation" name="scope" value="organisation" />
              <label htmlFor="scope-organisation">{t("unsubscribe.choice.organisation", { organisation })}</label>
            </p>
          </fieldset>
        ) : (
          <>
            <p>{t("unsubscribe.organisationOnly", { email: view.email, organisation })}</p>
            <input type="hidden" name="scope" value="organisation" />
          </>
        )}
        <p>{t("unsubscribe.receipts")}</p>
        <button type="submit" className="button">
          {t("unsubscribe.submit")}
        </button>
      </Form>
    </section>
  );
}
