import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { requireMember } from "~/auth/membership.server";
import { onboardingUrl, paymentsPath, StripeUnavailableError } from "~/payments/connect.server";

// payments_ (trailing underscore): a page of its own, not rendered inside the payments page.

/**
 * Stripe's refresh_url: an Account Link is single-use and expires within minutes, so Stripe
 * sends the owner here to get a new one (https://docs.stripe.com/connect/account-links).
 * Only owners onboard; anyone else gets the dashboard's usual 404.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { organisation } = await requireMember(request, context, params.org, ["owner"]);
  try {
    return redirect(await onboardingUrl(context, organisation), { status: 303 });
  } catch (error) {
    if (error instanceof StripeUnavailableError) return redirect(`${paymentsPath(organisation.slug)}?error=stripe`, { status: 303 });
    throw error;
  }
}
