import { Button, Section, Text } from "@react-email/components";
import { z } from "zod";
import { accountsEmailTranslator, buttonStyle, linkTextStyle, localeOfTranslator } from "./accounts-strings";
import { Layout, styles } from "./components/Layout";
import type { EmailBaseProps } from "./components/template";
import type { EmailTranslate } from "./strings";

/** kind "invitation": a single-use link to join an organisation as owner or organiser (transactional). */
export const schema = z.strictObject({
  organisationName: z.string().min(1).max(200),
  /** The inviter's display name or address; empty when unknown. */
  inviterName: z.string().max(254).default(""),
  role: z.enum(["owner", "organiser"]),
  acceptUrl: z.url({ protocol: /^https?$/ }),
  expiresInDays: z.number().int().min(1).max(90),
});

type Props = z.output<typeof schema>;

export function subject(props: Props, t: EmailTranslate): string {
  return accountsEmailTranslator(localeOfTranslator(t))("invitation.subject", { organisation: props.organisationName });
}

export default function InvitationEmail({
  locale,
  unsubscribeUrl,
  organisationName,
  inviterName,
  role,
  acceptUrl,
  expiresInDays,
}: Props & EmailBaseProps) {
  const t = accountsEmailTranslator(locale);
  const vars = { organisation: organisationName, inviter: inviterName.trim(), role: t(`invitation.role.${role}`) };
  return (
    <Layout
      locale={locale}
      preview={t("invitation.preview", vars)}
      heading={t("invitation.heading", vars)}
      reason={t("invitation.reason", vars)}
      organisationName={organisationName}
      unsubscribeUrl={unsubscribeUrl}
    >
      <Text style={styles.text}>{t(vars.inviter ? "invitation.body" : "invitation.body.anonymous", vars)}</Text>
      <Section style={{ margin: "0 0 16px" }}>
        <Button href={acceptUrl} style={buttonStyle}>
          {t("invitation.button")}
        </Button>
      </Section>
      <Text style={linkTextStyle}>{acceptUrl}</Text>
      <Text style={styles.text}>{t("invitation.account")}</Text>
      <Text style={styles.text}>{t("invitation.expiry", { days: expiresInDays })}</Text>
      <Text style={styles.text}>{t("invitation.ignore")}</Text>
    </Layout>
  );
}

InvitationEmail.PreviewProps = {
  organisationName: "Yodogawa Refuge Network",
  inviterName: "Aiko",
  role: "organiser",
  acceptUrl: "http://localhost:3000/invitations/EXAMPLE-TOKEN-EXAMPLE-TOKEN-EXAMPLE-TOKEN-EX",
  expiresInDays: 7,
} satisfies z.input<typeof schema>;
