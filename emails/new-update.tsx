import { Button, Section, Text } from "@react-email/components";
import { z } from "zod";
import { formatDate } from "~/locales";
import { renderMarkdown } from "~/markdown.server";
import { buttonStyle, linkTextStyle, localeOfTranslator } from "./accounts-strings";
import { Layout, styles } from "./components/Layout";
import type { EmailBaseProps } from "./components/template";
import type { EmailTranslate } from "./strings";
import { updatesEmailTranslator } from "./updates-strings";

/**
 * kind "new-update": one per subscribed address when organisers publish a dated update (not
 * transactional: it carries the unsubscribe link of the recipient's subscription). Never sent
 * again by an edit. The body is the organiser's markdown, rendered and sanitised here exactly as
 * on the public page (renderMarkdown), so nothing the organiser typed reaches the HTML unsanitised.
 */
export const schema = z.strictObject({
  organisationName: z.string().min(1).max(200),
  /** The need the update is about; null for news about the whole organisation. */
  needTitle: z.string().min(1).max(200).nullable(),
  updateTitle: z.string().min(1).max(140),
  /** When it happened, 'YYYY-MM-DD' (a calendar date: formatted without a time zone). */
  eventDate: z.iso.date(),
  /** Markdown, as the organiser wrote it. */
  body: z.string().max(20_000),
  lifecycleStep: z.enum(["purchased", "delivered", "closed"]).nullable().default(null),
  spendNote: z.string().max(500).default(""),
  /** The update on its public page: …/needs/<slug>#update-<id> or …/orgs/<slug>#update-<id>. */
  updateUrl: z.url({ protocol: /^https?$/ }),
});

type Props = z.output<typeof schema>;

export function subject(props: Props, t: EmailTranslate): string {
  const u = updatesEmailTranslator(localeOfTranslator(t));
  return props.needTitle
    ? u("newUpdate.subject.need", { need: props.needTitle, title: props.updateTitle })
    : u("newUpdate.subject.organisation", { organisation: props.organisationName, title: props.updateTitle });
}

/** Mail clients drop stylesheets: the rendered body gets the text style inline, on its wrapper. */
const bodyStyle = { ...styles.text, margin: "0 0 16px" };

export default function NewUpdateEmail({
  locale,
  unsubscribeUrl,
  organisationName,
  needTitle,
  updateTitle,
  eventDate,
  body,
  lifecycleStep,
  spendNote,
  updateUrl,
}: Props & EmailBaseProps) {
  const t = updatesEmailTranslator(locale);
  const vars = { organisation: organisationName, need: needTitle ?? "", title: updateTitle };
  const scope = needTitle ? "need" : "organisation";
  return (
    <Layout
      locale={locale}
      preview={t(`newUpdate.preview.${scope}`, vars)}
      heading={updateTitle}
      reason={t(`newUpdate.reason.${scope}`, vars)}
      organisationName={organisationName}
      unsubscribeUrl={unsubscribeUrl}
    >
      <Text style={styles.text}>{t(`newUpdate.lead.${scope}`, vars)}</Text>
      <Text style={styles.text}>{t("newUpdate.date", { date: formatDate(eventDate, locale) })}</Text>
      {lifecycleStep ? <Text style={styles.text}>{t(`newUpdate.step.${lifecycleStep}`)}</Text> : null}
      {/* Sanitised by renderMarkdown (no scripts, handlers, images or javascript: links). */}
      <div style={bodyStyle} dangerouslySetInnerHTML={{ __html: renderMarkdown(body) }} />
      {spendNote ? <Text style={styles.quote}>{t("newUpdate.spendNote", { note: spendNote })}</Text> : null}
      <Section style={{ margin: "0 0 16px" }}>
        <Button href={updateUrl} style={buttonStyle}>
          {t("newUpdate.button")}
        </Button>
      </Section>
      <Text style={linkTextStyle}>{updateUrl}</Text>
    </Layout>
  );
}

NewUpdateEmail.PreviewProps = {
  organisationName: "Yodogawa Refuge Network",
  needTitle: "Refrigerator for the shelter",
  updateTitle: "The fridge was delivered",
  eventDate: "2026-03-20",
  body: "The fridge was bought and delivered. Food for the shelter, and for people living outside, can now be stored.\n\n**Thank you.**",
  lifecycleStep: "delivered",
  spendNote: "Bought for ¥76,800; the ¥1,200 left goes to the food bank fund.",
  updateUrl: "http://localhost:3000/needs/refrigerator#update-2",
} satisfies z.input<typeof schema>;
