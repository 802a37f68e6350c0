import { Body, Container, Head, Heading, Hr, Html, Link, Preview, Section, Text } from "@react-email/components";
import type { CSSProperties, ReactNode } from "react";
import type { Locale } from "~/locales";
import { emailTranslator } from "../strings";

/**
 * The frame every email shares: brand, the organisation the email concerns (if any), the
 * content, and a plain footer saying why the reader gets it, with the unsubscribe link when the
 * email is not strictly transactional. Inline styles only (mail clients drop <style> and
 * stylesheets) and no images at all: nothing is fetched from a server when the email is opened.
 */
export interface LayoutProps {
  locale: Locale;
  /** The inbox preview line (hidden in the body, skipped in the text version). */
  preview: string;
  heading: string;
  /** Why the reader gets this email, as one sentence. */
  reason: string;
  organisationName?: string;
  unsubscribeUrl?: string;
  children: ReactNode;
}

export function Layout({ locale, preview, heading, reason, organisationName, unsubscribeUrl, children }: LayoutProps) {
  const t = emailTranslator(locale);
  return (
    <Html lang={locale} dir="ltr">
      <Head />
      <Preview>{preview}</Preview>
      <Body style={styles.body}>
        <Container style={styles.container}>
          <Section>
            <Text style={styles.brand}>{t("layout.brand")}</Text>
            {organisationName ? <Text style={styles.organisation}>{organisationName}</Text> : null}
          </Section>
          <Heading as="h1" style={styles.heading}>
            {heading}
          </Heading>
          {children}
          <Hr style={styles.rule} />
          <Section>
            <Text style={styles.footer}>{reason}</Text>
            {organisationName ? <Text style={styles.footer}>{t("layout.onBehalfOf", { organisation: organisationName })}</Text> : null}
            {unsubscribeUrl ? (
              <Text style={styles.footer}>
                {t("layout.unsubscribe.lead")}{" "}
                <Link href={unsubscribeUrl} style={styles.footerLink}>
                  {t("layout.unsubscribe.link")}
                </Link>
              </Text>
            ) : null}
            <Text style={styles.footer}>{t("layout.noTrackers")}</Text>
          </Section>
        </Container>
      </Body>
    </Html>
  );
}

/** Long unbroken input (a 5,000-character name) must wrap rather than widen the email. */
const wrap: CSSProperties = { overflowWrap: "anywhere", wordBreak: "break-word" };
const font = 'system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Noto Sans JP", "Yu Gothic", Meiryo, sans-serif';

export const styles = {
  body: { backgroundColor: "#fbfaf7", color: "#1c1f23", fontFamily: font, margin: 0, padding: "16px 0" },
  container: { backgroundColor: "#ffffff", border: "1px solid #d9d6cf", borderRadius: "8px", maxWidth: "560px", padding: "24px" },
  brand: { color: "#1f5f8b", fontSize: "18px", fontWeight: 700, lineHeight: "24px", margin: 0 },
  organisation: { ...wrap, color: "#4a5058", fontSize: "14px", lineHeight: "20px", margin: "4px 0 0" },
  heading: { ...wrap, fontSize: "22px", lineHeight: "30px", margin: "24px 0 12px" },
  text: { ...wrap, fontSize: "16px", lineHeight: "26px", margin: "0 0 16px" },
  quote: { ...wrap, borderLeft: "3px solid #d9d6cf", color: "#1c1f23", fontSize: "16px", lineHeight: "26px", margin: "0 0 12px", paddingLeft: "12px" },
  rule: { borderColor: "#d9d6cf", margin: "24px 0 16px" },
  footer: { ...wrap, color: "#4a5058", fontSize: "13px", lineHeight: "20px", margin: "0 0 8px" },
  footerLink: { color: "#1f5f8b", textDecoration: "underline" },
} satisfies Record<string, CSSProperties>;
