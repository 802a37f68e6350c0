import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { hashPassword } from "~/auth/passwords.server";
import { createUserSession, getUser, safeRedirectPath } from "~/auth/session.server";
import { requestSignup } from "~/auth/signup.server";
import { throttleSignup } from "~/auth/throttle.server";
import { EmailField, ErrorSummary, Field, SubmitButton } from "~/components/forms";
import { useT } from "~/components/i18n";
import { signupSchema } from "~/forms/accounts.server";
import { formFields, keepValues, parseForm } from "~/forms/parse.server";
import { invalid, rateLimited, retryAfterHeaders, type FormFailure } from "~/forms/responses.server";
import { requestLocale, translator } from "~/locales";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ""} — Tomoni` }];

export const headers = retryAfterHeaders;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams;
  const redirectTo = safeRedirectPath(params.get("redirectTo"));
  if (await getUser(request, context)) throw redirect(redirectTo);
  // An invitation link passes the invited address along, so the new account matches it.
  const email = (params.get("email") ?? "").slice(0, 254);
  return { redirectTo, email, title: translator(requestLocale(request))("signup.title") };
}

const FIELDS = ["email", "displayName", "password"] as const;

export async function action({ request, context }: ActionFunctionArgs) {
  const fields = formFields(await request.formData());
  const values = keepValues(fields, ["email", "displayName"]);
  const parsed = parseForm(signupSchema, fields);
  if (!parsed.success) return invalid({ errors: parsed.errors, values });

  const throttle = await throttleSignup(context.db, context.clientIp, parsed.data.email);
  if (!throttle.allowed) return rateLimited(throttle.retryAfterSeconds, values);

  const redirectTo = safeRedirectPath(fields.redirectTo);
  const outcome = await requestSignup(context, {
    email: parsed.data.email,
    displayName: parsed.data.displayName ?? "",
    passwordHash: await hashPassword(parsed.data.password),
    locale: requestLocale(request),
    redirectTo,
  });
  if (outcome.status === "created") {
    const cookie = await createUserSession(request, context, outcome.user.id);
    return redirect(redirectTo, { status: 303, headers: { "Set-Cookie": cookie } });
  }
  // The same answer whether or not the address has an account (see requestSignup).
  return { sent: true as const, email: parsed.data.email };
}

type ActionResult = FormFailure | { sent: true; email: string };

export default function Signup() {
  const { redirectTo, email } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const t = useT();
  const loginLink = redirectTo === "/dashboard" ? "/login" : `/login?${new URLSearchParams({ redirectTo })}`;
  if (result && "sent" in result) {
    return (
      <section className="account-page">
        <h1>{t("signup.sent.title")}</h1>
        <p role="status">{t("signup.sent.body", { email: result.email })}</p>
        <p>{t("signup.sent.spam")}</p>
        <p>
          <Link to={loginLink}>{t("forgot.backToLogin")}</Link>
        </p>
      </section>
    );
  }
  const failure = result;
  return (
    <section className="account-page">
      <h1>{t("signup.title")}</h1>
      <p className="intro">{t("signup.intro")}</p>
      <ErrorSummary errors={failure?.errors} order={FIELDS} formError={failure?.formError} vars={failure?.formErrorVars} />
      <Form method="post" noValidate>
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <EmailField
          name="email"
          label={t("signup.email")}
          autoComplete="email"
          required
          defaultValue={failure?.values.email ?? email}
          error={failure?.errors.email}
        />
        <Field
          name="displayName"
          label={t("signup.displayName")}
          hint={t("signup.displayName.hint")}
          autoComplete="name"
          maxLength={100}
          defaultValue={failure?.values.displayName}
          error={failure?.errors.displayName}
        />
        <Field
          name="password"
          label={t("signup.password")}
          hint={t("signup.password.hint")}
          type="password"
          autoComplete="new-password"
          required
          error={failure?.errors.password}
        />
        <SubmitButton>{t("signup.submit")}</SubmitButton>
      </Form>
      <div className="form-links">
        <p>
          {t("signup.haveAccount")} <Link to={loginLink}>{t("nav.login")}</Link>
        </p>
      </div>
    </section>
  );
}
