import { Text } from "@react-email/components";
import { z } from "zod";
import { Layout, styles } from "./components/Layout";
import type { EmailBaseProps } from "./components/template";
import { emailTranslator, type EmailTranslate } from "./strings";

/** kind "test": an operator's test message, to check that delivery works end to end. */
export const schema = z.strictObject({
  name: z.string().max(10_000).optional(),
  message: z.string().max(10_000).optional(),
  /** Shown in the header and footer when the test is sent on behalf of an organisation. */
  organisationName: z.string().max(10_000).optional(),
});

type Props = z.output<typeof schema>;

const present = (value: string | undefined) => (value && value.trim() ? value.trim() : undefined);

export function subject(props: Props, t: EmailTranslate): string {
  const name = present(props.name);
  return name ? t("test.subject.named", { name }) : t("test.subject");
}

export default function TestEmail({ locale, unsubscribeUrl, name, message, organisationName }: Props & EmailBaseProps) {
  const t = emailTranslator(locale);
  const who = present(name);
  // The operator's message keeps its line breaks as separate paragraphs; React escapes each.
  const lines = (message ?? "").split(/\r\n|\r|\n/).map((line) => line.trim()).filter(Boolean);
  return (
    <Layout
      locale={locale}
      preview={t("test.preview")}
      heading={t("test.heading")}
      reason={t("test.reason")}
      organisationName={present(organisationName)}
      unsubscribeUrl={unsubscribeUrl}
    >
      <Text style={styles.text}>{who ? t("test.greeting.named", { name: who }) : t("test.greeting")}</Text>
      <Text style={styles.text}>{t("test.body")}</Text>
      {lines.length > 0 ? (
        <>
          <Text style={styles.text}>{t("test.messageLabel")}</Text>
          {lines.map((line, index) => (
            <Text key={index} style={styles.quote}>
              {line}
            </Text>
          ))}
        </>
      ) : null}
    </Layout>
  );
}

TestEmail.PreviewProps = {
  name: "Aiko",
  message: "Checking that the new mail setup works.\nPlease ignore this email.",
  organisationName: "Osaka Refugee Support Network",
} satisfies z.input<typeof schema>;
