import { Button, Section, Text } from "@react-email/components";
import { z } from "zod";
import { formatMoney } from "~/money";
import { buttonStyle, localeOfTranslator } from "./accounts-strings";
import { Layout, styles } from "./components/Layout";
import type { EmailBaseProps } from "./components/template";
import { formatPaidAt, paymentsEmailTranslator } from "./payments-strings";
import type { EmailTranslate } from "./strings";

/**
 * kind "receipt": sent once per succeeded donation (transactional: an unsubscribe from updates
 * does not stop it). Amounts are integer minor units, formatted here in the donor's language.
 */
export const schema = z.strictObject({
  donationId: z.number().int().positive(),
  /** The donor's name as typed; empty when none was given. */
  donorName: z.string().max(100).default(""),
  showName: z.boolean().default(false),
  amount: z.number().int().positive(),
  feeCover: z.number().int().min(0).default(0),
  currency: z.string().regex(/^[A-Z]{3}$/),
  needTitle: z.string().min(1).max(200),
  needUrl: z.url({ protocol: /^https?$/ }),
  organisationName: z.string().min(1).max(200),
  paidAt: z.iso.datetime({ offset: true }),
  /** No organisation can say it issues tax receipts yet, so the receipt says plainly that it does not. */
  taxDeductible: z.boolean().default(false),
});

type Props = z.output<typeof schema>;

export function subject(props: Props, t: EmailTranslate): string {
  return paymentsEmailTranslator(localeOfTranslator(t))("receipt.subject", { organisation: props.organisationName });
}

export default function ReceiptEmail({
  locale,
  unsubscribeUrl,
  donationId,
  donorName,
  showName,
  amount,
  feeCover,
  currency,
  needTitle,
  needUrl,
  organisationName,
  paidAt,
  taxDeductible,
}: Props & EmailBaseProps) {
  const t = paymentsEmailTranslator(locale);
  const money = (minor: number) => formatMoney(minor, currency, locale);
  const vars = { organisation: organisationName, need: needTitle, total: money(amount + feeCover), name: donorName.trim() };
  const rows: Array<[string, string]> = [
    [t("receipt.amount"), money(amount)],
    ...(feeCover > 0 ? ([[t("receipt.feeCover"), money(feeCover)]] as Array<[string, string]>) : []),
    [t("receipt.total"), money(amount + feeCover)],
    [t("receipt.date"), formatPaidAt(paidAt, locale)],
    [t("receipt.reference"), t("receipt.referenceValue", { id: donationId })],
  ];
  return (
    <Layout
      locale={locale}
      preview={t("receipt.preview", vars)}
      heading={t("receipt.heading")}
      reason={t("receipt.reason", vars)}
      organisationName={organisationName}
      unsubscribeUrl={unsubscribeUrl}
    >
      <Text style={styles.text}>{t(vars.name ? "receipt.greeting" : "receipt.greeting.anonymous", vars)}</Text>
      <Text style={styles.text}>{t("receipt.body", vars)}</Text>
      <Section style={{ margin: "0 0 16px" }}>
        {rows.map(([label, value]) => (
          <Text key={label} style={{ ...styles.text, margin: "0 0 4px" }}>
            {t("receipt.row", { label })}
            <strong>{value}</strong>
          </Text>
        ))}
      </Section>
      <Text style={{ ...styles.text, fontWeight: 600 }}>{taxDeductible ? t("receipt.taxYes", vars) : t("receipt.taxNo")}</Text>
      <Text style={styles.text}>{t("receipt.merchant", vars)}</Text>
      <Text style={styles.text}>{t(showName ? "receipt.public" : "receipt.anonymous")}</Text>
      <Section style={{ margin: "0 0 16px" }}>
        <Button href={needUrl} style={buttonStyle}>
          {t("receipt.button")}
        </Button>
      </Section>
    </Layout>
  );
}

ReceiptEmail.PreviewProps = {
  donationId: 1024,
  donorName: "Aiko Tanaka",
  showName: true,
  amount: 3_000,
  feeCover: 120,
  currency: "JPY",
  needTitle: "A refrigerator for the shelter",
  needUrl: "http://localhost:3000/needs/refrigerator",
  organisationName: "Yodogawa Refuge Network",
  paidAt: "2026-01-25T03:15:00.000Z",
  taxDeductible: false,
} satisfies z.input<typeof schema>;
