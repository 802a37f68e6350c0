import { Button, Section, Text } from "@react-email/components";
import { z } from "zod";
import { accountsEmailTranslator, buttonStyle, linkTextStyle, localeOfTranslator } from "./accounts-strings";
import { Layout, styles } from "./components/Layout";
import type { EmailBaseProps } from "./components/template";
import type { EmailTranslate } from "./strings";

/** kind "password-reset": the single-use link from /forgot-password (transactional). */
export const schema = z.strictObject({
  resetUrl: z.url({ protocol: /^https?$/ }),
  expiresInMinutes: z.number().int().min(1).max(24 * 60),
});

type Props = z.output<typeof schema>;

export function subject(_props: Props, t: EmailTranslate): string {
  return accountsEmailTranslator(localeOfTranslator(t))("passwordReset.subject");
}

export default function PasswordResetEmail({ locale, unsubscribeUrl, resetUrl, expiresInMinutes }: Props & EmailBaseProps) {
  const t = accountsEmailTranslator(locale);
  const minutes = { minutes: expiresInMinutes };
  return (
    <Layout
      locale={locale}
      preview={t("passwordReset.preview", minutes)}
      heading={t("passwordReset.heading")}
      reason={t("passwordReset.reason")}
      unsubscribeUrl={unsubscribeUrl}
    >
      <Text style={styles.text}>{t("passwordReset.body")}</Text>
      <Section style={{ margin: "0 0 16px" }}>
        <Button href={resetUrl} style={buttonStyle}>
          {t("passwordReset.button")}
        </Button>
      </Section>
      {/* The bare link too: some clients strip buttons, and the text version needs it. */}
      <Text style={linkTextStyle}>{resetUrl}</Text>
      <Text style={styles.text}>{t("passwordReset.expiry", minutes)}</Text>
      <Text style={styles.text}>{t("passwordReset.ignore")}</Text>
    </Layout>
  );
}

PasswordResetEmail.PreviewProps = {
  resetUrl: "http://localhost:3000/reset-password/EXAMPLE-TOKEN-EXAMPLE-TOKEN-EXAMPLE-TOKEN-EX",
  expiresInMinutes: 60,
} satisfies z.input<typeof schema>;
