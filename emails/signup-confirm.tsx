import { Button, Section, Text } from "@react-email/components";
import { z } from "zod";
import { accountsEmailTranslator, buttonStyle, linkTextStyle, localeOfTranslator } from "./accounts-strings";
import { Layout, styles } from "./components/Layout";
import type { EmailBaseProps } from "./components/template";
import type { EmailTranslate } from "./strings";

/** kind "signup-confirm": the link that creates the account asked for on /signup (transactional). */
export const schema = z.strictObject({
  confirmUrl: z.url({ protocol: /^https?$/ }),
  expiresInHours: z.number().int().min(1).max(7 * 24),
});

type Props = z.output<typeof schema>;

export function subject(_props: Props, t: EmailTranslate): string {
  return accountsEmailTranslator(localeOfTranslator(t))("signupConfirm.subject");
}

export default function SignupConfirmEmail({ locale, unsubscribeUrl, confirmUrl, expiresInHours }: Props & EmailBaseProps) {
  const t = accountsEmailTranslator(locale);
  const hours = { hours: expiresInHours };
  return (
    <Layout
      locale={locale}
      preview={t("signupConfirm.preview", hours)}
      heading={t("signupConfirm.heading")}
      reason={t("signupConfirm.reason")}
      unsubscribeUrl={unsubscribeUrl}
    >
      <Text style={styles.text}>{t("signupConfirm.body")}</Text>
      <Section style={{ margin: "0 0 16px" }}>
        <Button href={confirmUrl} style={buttonStyle}>
          {t("signupConfirm.button")}
        </Button>
      </Section>
      {/* The bare link too: some clients strip buttons, and the text version needs it. */}
      <Text style={linkTextStyle}>{confirmUrl}</Text>
      <Text style={styles.text}>{t("signupConfirm.expiry", hours)}</Text>
      <Text style={styles.text}>{t("signupConfirm.ignore")}</Text>
    </Layout>
  );
}

SignupConfirmEmail.PreviewProps = {
  confirmUrl: "http://localhost:3000/signup/confirm/EXAMPLE-TOKEN-EXAMPLE-TOKEN-EXAMPLE-TOKEN-EX",
  expiresInHours: 24,
} satisfies z.input<typeof schema>;
