import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData } from "@remix-run/react";
import { requestPasswordReset } from "~/auth/password-reset.server";
import { throttlePasswordReset } from "~/auth/throttle.server";
import { EmailField, ErrorSummary, SubmitButton } from "~/components/forms";
import { useT } from "~/components/i18n";
import { forgotPasswordSchema } from "~/forms/accounts.server";
import { formFields, keepValues, parseForm } from "~/forms/parse.server";
import { invalid, rateLimited, retryAfterHeaders, type FormFailure } from "~/forms/responses.server";
import { requestLocale, translator } from "~/locales";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ""} — Tomoni` }];

export const headers = retryAfterHeaders;

export async function loader({ request }: LoaderFunctionArgs) {
  return { title: translator(requestLocale(request))("forgot.title") };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const fields = formFields(await request.formData());
  const values = keepValues(fields, ["email"]);
  const parsed = parseForm(forgotPasswordSchema, fields);
  if (!parsed.success) return invalid({ errors: parsed.errors, values });
  const { email } = parsed.data;

  const throttle = await throttlePasswordReset(context.db, context.clientIp, email);
  if (!throttle.allowed) return rateLimited(throttle.retryAfterSeconds, values);

  await requestPasswordReset(context, { email, locale: requestLocale(request) });
  // The same answer whether or not the address has an account.
  return { sent: true as const, email };
}

type ActionResult = FormFailure | { sent: true; email: string };

export default function ForgotPassword() {
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const t = useT();
  if (result && "sent" in result) {
    return (
      <section className="account-page">
        <h1>{t("forgot.sent.title")}</h1>
        <p role="status">{t("forgot.sent.body", { email: result.email })}</p>
        <p>
          <Link to="/login">{t("forgot.backToLogin")}</Link>
        </p>
      </section>
    );
  }
  return (
    <section className="account-page">
      <h1>{t("forgot.title")}</h1>
      <p className="intro">{t("forgot.intro")}</p>
      <ErrorSummary errors={result?.errors} order={["email"]} formError={result?.formError} vars={result?.formErrorVars} />
      <Form method="post" noValidate>
        <EmailField
          name="email"
          label={t("forgot.email")}
          autoComplete="email"
          required
          defaultValue={result?.values.email}
          error={result?.errors.email}
        />
        <SubmitButton>{t("forgot.submit")}</SubmitButton>
      </Form>
      <div className="form-links">
        <p>
          <Link to="/login">{t("forgot.backToLogin")}</Link>
        </p>
      </div>
    </section>
  );
}
