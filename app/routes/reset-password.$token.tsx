import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { hashPassword } from "~/auth/passwords.server";
import { createUserSession } from "~/auth/session.server";
import { hashToken, looksLikeToken } from "~/auth/tokens.server";
import { ErrorSummary, Field, SubmitButton } from "~/components/forms";
import { useT } from "~/components/i18n";
import { resetPasswordSchema } from "~/forms/accounts.server";
import { formFields, parseForm } from "~/forms/parse.server";
import { invalid, type FormFailure } from "~/forms/responses.server";
import { requestLocale, translator } from "~/locales";
import { consumePasswordReset, findUsablePasswordReset } from "~/models/users.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.title ?? ""} — Tomoni` },
  // The token is in the URL: keep the page out of any index.
  { name: "robots", content: "noindex" },
];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const t = translator(requestLocale(request));
  const usable = looksLikeToken(params.token) ? await findUsablePasswordReset(context.db, hashToken(params.token)) : undefined;
  if (!usable) return data({ usable: false as const, title: t("reset.invalid.title") }, { status: 404 });
  return { usable: true as const, email: usable.email, title: t("reset.title") };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const fields = formFields(await request.formData());
  const parsed = parseForm(resetPasswordSchema, fields);
  if (!parsed.success) return invalid({ errors: parsed.errors });
  if (!looksLikeToken(params.token)) return data({ spent: true as const }, { status: 404 });
  const user = await consumePasswordReset(context.db, {
    tokenHash: hashToken(params.token),
    passwordHash: await hashPassword(parsed.data.password),
  });
  if (!user) return data({ spent: true as const }, { status: 404 });
  // Every earlier session of the user has just been ended; this device gets a new one.
  const cookie = await createUserSession(request, context, user.id);
  return redirect("/dashboard?notice=password-reset", { status: 303, headers: { "Set-Cookie": cookie } });
}

function InvalidLink() {
  const t = useT();
  return (
    <section className="account-page">
      <h1>{t("reset.invalid.title")}</h1>
      <p>{t("reset.invalid.body")}</p>
      <p>
        <Link to="/forgot-password">{t("reset.invalid.again")}</Link>
      </p>
    </section>
  );
}

export default function ResetPassword() {
  const loaderData = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as (FormFailure | { spent: true }) | undefined;
  const t = useT();
  if (!loaderData.usable || (result && "spent" in result)) return <InvalidLink />;
  const failure = result;
  return (
    <section className="account-page">
      <h1>{t("reset.title")}</h1>
      <ErrorSummary errors={failure?.errors} order={["password"]} formError={failure?.formError} />
      <Form method="post" noValidate>
        {/* Lets password managers file the new password under the right account. */}
        <input type="hidden" name="username" autoComplete="username" value={loaderData.email} />
        <Field
          name="password"
          label={t("reset.password")}
          hint={t("signup.password.hint")}
          type="password"
          autoComplete="new-password"
          required
          error={failure?.errors.password}
        />
        <SubmitButton>{t("reset.submit")}</SubmitButton>
      </Form>
    </section>
  );
}
