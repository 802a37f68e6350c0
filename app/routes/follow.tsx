import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { ipKey } from "~/auth/throttle.server";
import { FOLLOW_EMAIL_FIELD, FollowForm } from "~/components/FollowForm";
import { useT } from "~/components/i18n";
import { FOLLOW_RATE_LIMIT, followHoneypotFilled, parseFollowForm } from "~/forms/follow.server";
import { formFields, keepValues } from "~/forms/parse.server";
import { invalid, rateLimited, retryAfterHeaders, type FormFailure } from "~/forms/responses.server";
import { requestLocale, translator } from "~/locales";
import { findFollowTarget, followByEmail } from "~/models/follows.server";
import { hit } from "~/models/rate-limits.server";
import { maskEmail } from "~/server/logger.server";
import timelineStyles from "~/styles/timeline.css";

/**
 * POST /follow?need=<slug> (or ?organisation=<slug>): the follow-by-email form of the need and
 * organisation pages. The target is in the URL so that this page's loader, which Remix runs
 * after the action, knows it too; GET shows the form on its own (after an error, or without
 * JavaScript). Every accepted address gets the same answer, whether it was new, pending or
 * already following, so the form cannot be used to find out who follows what.
 */

export const links: LinksFunction = () => [{ rel: "stylesheet", href: timelineStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.title ?? "Tomoni"} — Tomoni` },
  { name: "robots", content: "noindex" },
];

export const headers = retryAfterHeaders;

async function targetOf(request: Request, db: Parameters<typeof findFollowTarget>[0]) {
  const search = new URL(request.url).searchParams;
  const target = await findFollowTarget(db, { need: search.get("need") ?? undefined, organisation: search.get("organisation") ?? undefined });
  if (!target) throw new Response("Not Found", { status: 404 });
  return target;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const target = await targetOf(request, context.db);
  return {
    title: translator(requestLocale(request))("follow.title"),
    target: {
      kind: target.kind,
      slug: target.slug,
      title: target.title,
      organisationName: target.organisationName,
      path: target.kind === "need" ? `/needs/${target.slug}` : `/orgs/${target.slug}`,
    },
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const target = await targetOf(request, context.db);
  const fields = formFields(await request.formData());
  const values = keepValues(fields, [FOLLOW_EMAIL_FIELD]);
  if (followHoneypotFilled(fields)) {
    context.logger.info({ target: target.slug }, "follow form honeypot filled; refused");
    return invalid({ values, formError: "follow.error.spam" });
  }
  const parsed = parseFollowForm(fields);
  if (!parsed.ok) return invalid({ errors: parsed.errors, values });

  const throttle = await hit(context.db, `follow:ip:${ipKey(context.clientIp)}`, FOLLOW_RATE_LIMIT);
  if (!throttle.allowed) return rateLimited(throttle.retryAfterSeconds, values);

  const result = await followByEmail(context.db, { email: parsed.email, target, locale: requestLocale(request), appUrl: context.env.APP_URL });
  context.logger.info({ subscriptionId: result.subscriptionId, status: result.status, emailQueued: result.emailQueued, email: maskEmail(parsed.email) }, "follow");
  return { sent: true as const, email: parsed.email };
}

type ActionResult = FormFailure | { sent: true; email: string };

export default function Follow() {
  const { target } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const t = useT();
  const back = (
    <p>
      <Link to={target.path}>{t("follow.back", { target: target.title })}</Link>
    </p>
  );
  if (result && "sent" in result) {
    return (
      <section className="narrow-page">
        <h1>{t("follow.sent.title")}</h1>
        <p role="status">{t("follow.sent.body", { email: result.email, target: target.title })}</p>
        {back}
      </section>
    );
  }
  return (
    <div className="narrow-page">
      <FollowForm
        standalone
        target={{ kind: target.kind, slug: target.slug, organisationName: target.organisationName }}
        values={result?.values}
        errors={result?.errors}
        formError={result?.formError}
        formErrorVars={result?.formErrorVars}
      />
      {back}
    </div>
  );
}
