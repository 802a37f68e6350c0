import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { DEFAULT_LOCALE, LOCALE_COOKIE, LOCALES } from "~/locales";

const ONE_YEAR = 60 * 60 * 24 * 365;

const form = z.object({
  locale: z.enum(LOCALES).catch(DEFAULT_LOCALE),
  // Only a path on this site: never an open redirect to somewhere else.
  redirectTo: z
    .string()
    .regex(/^\/(?![/\\])/)
    .catch("/"),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const { locale, redirectTo } = form.parse(Object.fromEntries(await request.formData()));
  const secure = context.env.isProduction ? "; Secure" : "";
  return redirect(redirectTo, {
    status: 303,
    headers: { "Set-Cookie": `${LOCALE_COOKIE}=${locale}; Path=/; Max-Age=${ONE_YEAR}; SameSite=Lax; HttpOnly${secure}` },
  });
}

export async function loader() {
  return redirect("/");
}
