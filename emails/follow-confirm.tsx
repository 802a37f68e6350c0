import { Button, Section, Text } from "@react-email/components";
import { z } from "zod";
import { buttonStyle, linkTextStyle, localeOfTranslator } from "./accounts-strings";
import { Layout, styles } from "./components/Layout";
import type { EmailBaseProps } from "./components/template";
import { followEmailTranslator } from "./follow-strings";
import type { EmailTranslate } from "./strings";

/**
 * kind "follow-confirm": the double opt-in of following a need or organisation by email
 * (transactional: it is the consent request itself, so it has no unsubscribe link). The link
 * opens a page with a button; only pressing it (a POST) confirms, because mail scanners
 * fetch every link in an email.
 */
export const schema = z.strictObject({
  organisationName: z.string().min(1).max(200),
  /** The need followed; null when following the whole organisation. */
  needTitle: z.string().min(1).max(200).nullable(),
  confirmUrl: z.url({ protocol: /^https?$/ }),
});

type Props = z.output<typeof schema>;

const targetOf = (props: Pick<Props, "organisationName" | "needTitle">) => props.needTitle ?? props.organisationName;

export function subject(props: Props, t: EmailTranslate): string {
  return followEmailTranslator(localeOfTranslator(t))("followConfirm.subject", { target: targetOf(props) });
}

export default function FollowConfirmEmail({ locale, unsubscribeUrl, organisationName, needTitle, confirmUrl }: Props & EmailBaseProps) {
  const t = followEmailTranslator(locale);
  const vars = { target: targetOf({ organisationName, needTitle }), organisation: organisationName, need: needTitle ?? "" };
  return (
    <Layout
      locale={locale}
      preview={t("followConfirm.preview", vars)}
      heading={t("followConfirm.heading", vars)}
      reason={t("followConfirm.reason", vars)}
      organisationName={organisationName}
      unsubscribeUrl={unsubscribeUrl}
    >
      <Text style={styles.text}>{t(needTitle ? "followConfirm.body.need" : "followConfirm.body.organisation", vars)}</Text>
      <Section style={{ margin: "0 0 16px" }}>
        <Button href={confirmUrl} style={buttonStyle}>
          {t("followConfirm.button")}
        </Button>
      </Section>
      <Text style={linkTextStyle}>{confirmUrl}</Text>
      <Text style={styles.text}>{t("followConfirm.after")}</Text>
      <Text style={styles.text}>{t("followConfirm.ignore")}</Text>
    </Layout>
  );
}

FollowConfirmEmail.PreviewProps = {
  organisationName: "Yodogawa Refuge Network",
  needTitle: "Refrigerator for the shelter",
  confirmUrl: "http://localhost:3000/follow/confirm/EXAMPLE-TOKEN-EXAMPLE-TOKEN-EXAMPLE-TOKEN-EXA",
} satisfies z.input<typeof schema>;
