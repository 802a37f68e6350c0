import { Button, Section, Text } from "@react-email/components";
import { z } from "zod";
import { accountsEmailTranslator, buttonStyle, linkTextStyle, localeOfTranslator } from "./accounts-strings";
import { Layout, styles } from "./components/Layout";
import type { EmailBaseProps } from "./components/template";
import type { EmailTranslate } from "./strings";

/**
 * kind "signup-existing" (transactional): sent instead of a confirmation link when someone signs
 * up with an address that already has an account. The sign-up page answers the same either way;
 * only the owner of the address learns that the account exists.
 */
export const schema = z.strictObject({
  loginUrl: z.url({ protocol: /^https?$/ }),
  forgotPasswordUrl: z.url({ protocol: /^https?$/ }),
});

type Props = z.output<typeof schema>;

export function subject(_props: Props, t: EmailTranslate): string {
  return accountsEmailTranslator(localeOfTranslator(t))("signupExisting.subject");
}

export default function SignupExistingEmail({ locale, unsubscribeUrl, loginUrl, forgotPasswordUrl }: Props & EmailBaseProps) {
  const t = accountsEmailTranslator(locale);
  return (
    <Layout
      locale={locale}
      preview={t("signupExisting.preview")}
      heading={t("signupExisting.heading")}
      reason={t("signupExisting.reason")}
      unsubscribeUrl={unsubscribeUrl}
    >
      <Text style={styles.text}>{t("signupExisting.body")}</Text>
      <Section style={{ margin: "0 0 16px" }}>
        <Button href={loginUrl} style={buttonStyle}>
          {t("signupExisting.login")}
        </Button>
      </Section>
      <Text style={styles.text}>{t("signupExisting.forgot")}</Text>
      <Text style={linkTextStyle}>{forgotPasswordUrl}</Text>
      <Text style={styles.text}>{t("signupExisting.ignore")}</Text>
    </Layout>
  );
}

SignupExistingEmail.PreviewProps = {
  loginUrl: "http://localhost:3000/login",
  forgotPasswordUrl: "http://localhost:3000/forgot-password",
} satisfies z.input<typeof schema>;
