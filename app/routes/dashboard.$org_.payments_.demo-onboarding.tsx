import { redirect, type ActionFunctionArgs, type AppLoadContext, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireMember } from "~/auth/membership.server";
import { useT } from "~/components/i18n";
import { requestLocale, translator } from "~/locales";
import { getPaymentsStatus } from "~/models/stripe-accounts.server";
import { completeDemoOnboarding, paymentsPath } from "~/payments/connect.server";

// payments_ (trailing underscore): a page of its own, not rendered inside the payments page.

/**
 * Demo payments' stand-in for Stripe's hosted onboarding. It exists only while demo payments
 * are on; with real Stripe keys the address is simply not found.
 */

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ""} — Tomoni` }];

async function requireDemoOwner(request: Request, context: AppLoadContext, orgSlug: string | undefined) {
  if (context.env.paymentsMode !== "demo") throw new Response("Not Found", { status: 404 });
  return requireMember(request, context, orgSlug, ["owner"]);
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { organisation } = await requireDemoOwner(request, context, params.org);
  const status = await getPaymentsStatus(context.db, organisation.id);
  // Onboarding starts with "Connect with Stripe", which makes the (demo) account.
  if (!status?.accountId) return redirect(`${paymentsPath(organisation.slug)}?notice=not-started`, { status: 303 });
  return {
    title: translator(requestLocale(request))("payments.demo.title"),
    organisation: { slug: organisation.slug, name: organisation.name },
    accountId: status.accountId,
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { organisation } = await requireDemoOwner(request, context, params.org);
  const completed = await completeDemoOnboarding(context, organisation.id);
  return redirect(`${paymentsPath(organisation.slug)}?notice=${completed ? "completed" : "not-started"}`, { status: 303 });
}

export default function DemoOnboarding() {
  const { organisation, accountId } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <section className="narrow-page stack">
      <h1>{t("payments.demo.title")}</h1>
      <p>{t("payments.demo.intro", { name: organisation.name })}</p>
      <p className="break">{t("payments.demo.account", { account: accountId })}</p>
      <Form method="post">
        <button type="submit" className="primary-button">
          {t("payments.demo.complete")}
        </button>
      </Form>
      <p>
        <Link to={`/dashboard/${organisation.slug}/payments`}>{t("payments.demo.back")}</Link>
      </p>
    </section>
  );
}
