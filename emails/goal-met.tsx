import { Button, Section, Text } from "@react-email/components";
import { z } from "zod";
import { formatMoney } from "~/money";
import { buttonStyle, localeOfTranslator } from "./accounts-strings";
import { Layout, styles } from "./components/Layout";
import type { EmailBaseProps } from "./components/template";
import { paymentsEmailTranslator } from "./payments-strings";
import type { EmailTranslate } from "./strings";

/**
 * kind "goal-met": sent once per address and need when the need first reaches its goal — to
 * every backer (donors whose money counts) and to the organisation's members.
 */
export const schema = z.strictObject({
  audience: z.enum(["backer", "organiser"]),
  needTitle: z.string().min(1).max(200),
  needUrl: z.url({ protocol: /^https?$/ }),
  organisationName: z.string().min(1).max(200),
  /** Integer minor units of `currency`. */
  goal: z.number().int().positive(),
  raised: z.number().int().min(0),
  currency: z.string().regex(/^[A-Z]{3}$/),
});

type Props = z.output<typeof schema>;

export function subject(props: Props, t: EmailTranslate): string {
  return paymentsEmailTranslator(localeOfTranslator(t))("goalMet.subject", { need: props.needTitle });
}

export default function GoalMetEmail({
  locale,
  unsubscribeUrl,
  audience,
  needTitle,
  needUrl,
  organisationName,
  goal,
  raised,
  currency,
}: Props & EmailBaseProps) {
  const t = paymentsEmailTranslator(locale);
  const vars = {
    need: needTitle,
    organisation: organisationName,
    goal: formatMoney(goal, currency, locale),
    raised: formatMoney(raised, currency, locale),
  };
  return (
    <Layout
      locale={locale}
      preview={t("goalMet.preview", vars)}
      heading={t("goalMet.heading", vars)}
      reason={t(audience === "backer" ? "goalMet.backer.reason" : "goalMet.organiser.reason", vars)}
      organisationName={organisationName}
      unsubscribeUrl={unsubscribeUrl}
    >
      <Text style={styles.text}>{t(audience === "backer" ? "goalMet.backer.body" : "goalMet.organiser.body", vars)}</Text>
      <Text style={styles.text}>{t(audience === "backer" ? "goalMet.backer.next" : "goalMet.organiser.next")}</Text>
      <Section style={{ margin: "0 0 16px" }}>
        <Button href={needUrl} style={buttonStyle}>
          {t("goalMet.button")}
        </Button>
      </Section>
    </Layout>
  );
}

GoalMetEmail.PreviewProps = {
  audience: "backer",
  needTitle: "A refrigerator for the shelter",
  needUrl: "http://localhost:3000/needs/refrigerator",
  organisationName: "Yodogawa Refuge Network",
  goal: 92_000,
  raised: 93_500,
  currency: "JPY",
} satisfies z.input<typeof schema>;
