import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from "~/auth/passwords.server";
import { createUserSession, getUser, safeRedirectPath } from "~/auth/session.server";
import { throttleLogin } from "~/auth/throttle.server";
import { EmailField, ErrorSummary, Field, SubmitButton } from "~/components/forms";
import { useT } from "~/components/i18n";
import { loginSchema } from "~/forms/accounts.server";
import { formFields, keepValues, parseForm } from "~/forms/parse.server";
import { invalid, rateLimited, retryAfterHeaders, type FormFailure } from "~/forms/responses.server";
import { findUserByEmail, setPasswordHash } from "~/models/users.server";
import { requestLocale, translator } from "~/locales";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ""} — Tomoni` }];

export const headers = retryAfterHeaders;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const redirectTo = safeRedirectPath(new URL(request.url).searchParams.get("redirectTo"));
  if (await getUser(request, context)) throw redirect(redirectTo);
  return { redirectTo, title: translator(requestLocale(request))("login.title") };
}

const FIELDS = ["email", "password"] as const;

export async function action({ request, context }: ActionFunctionArgs) {
  const fields = formFields(await request.formData());
  const values = keepValues(fields, ["email"]);
  const parsed = parseForm(loginSchema, fields);
  if (!parsed.success) return invalid({ errors: parsed.errors, values });
  const { email, password } = parsed.data;

  // Counted before the password is checked: the limit also caps the hashing we do for strangers.
  const throttle = await throttleLogin(context.db, context.clientIp, email);
  if (!throttle.allowed) return rateLimited(throttle.retryAfterSeconds, values);

  const user = await findUserByEmail(context.db, email);
  // An unknown address costs the same hashing and gets the same answer as a wrong password.
  const ok = user?.passwordHash ? await verifyPassword(user.passwordHash, password) : await verifyAgainstDummy(password);
  if (!user || !ok) return invalid({ values, formError: "error.loginFailed" });

  if (user.passwordHash && needsRehash(user.passwordHash)) {
    await setPasswordHash(context.db, user.id, await hashPassword(password));
  }
  const cookie = await createUserSession(request, context, user.id);
  return redirect(safeRedirectPath(fields.redirectTo), { status: 303, headers: { "Set-Cookie": cookie } });
}

export default function Login() {
  const { redirectTo } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>() as FormFailure | undefined;
  const t = useT();
  const signupLink = redirectTo === "/dashboard" ? "/signup" : `/signup?${new URLSearchParams({ redirectTo })}`;
  return (
    <section className="account-page">
      <h1>{t("login.title")}</h1>
      <ErrorSummary errors={failure?.errors} order={FIELDS} formError={failure?.formError} vars={failure?.formErrorVars} />
      <Form method="post" noValidate>
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <EmailField
          name="email"
          label={t("login.email")}
          autoComplete="username"
          required
          defaultValue={failure?.values.email}
          error={failure?.errors.email}
        />
        <Field name="password" label={t("login.password")} type="password" autoComplete="current-password" required error={failure?.errors.password} />
        <SubmitButton>{t("login.submit")}</SubmitButton>
      </Form>
      <div className="form-links">
        <p>
          <Link to="/forgot-password">{t("login.forgot")}</Link>
        </p>
        <p>
          {t("login.noAccount")} <Link to={signupLink}>{t("nav.signup")}</Link>
        </p>
      </div>
    </section>
  );
}
