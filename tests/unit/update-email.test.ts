import { describe, expect, it } from "vitest";
import { EmailTemplateError, renderEmail, validateEmailProps } from "~/email/render.server";

const URL_NEED = "https://tomoni.example/needs/refrigerator#update-12";
const UNSUBSCRIBE = "https://tomoni.example/unsubscribe/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

const props = {
  organisationName: "Yodogawa Refuge Network",
  needTitle: "Refrigerator for the shelter",
  updateTitle: "The fridge was delivered",
  eventDate: "2026-03-20",
  body: "Food for the shelter can now be stored.\n\n- milk\n- rice",
  lifecycleStep: "delivered",
  spendNote: "Bought for ¥76,800; the ¥1,200 left goes to the food bank fund.",
  updateUrl: URL_NEED,
};

describe("new-update email", () => {
  it("names the organisation, need, update and date, renders the body, links to the update and can be unsubscribed from (English)", async () => {
    const email = await renderEmail({ kind: "new-update", locale: "en", props, unsubscribeUrl: UNSUBSCRIBE });
    expect(email.subject).toBe("Update on “Refrigerator for the shelter”: The fridge was delivered");
    expect(email.text).toContain("Yodogawa Refuge Network posted an update about “Refrigerator for the shelter”.");
    expect(email.text).toContain("Date: March 20, 2026");
    expect(email.text).toContain("The need is now marked as delivered.");
    expect(email.text).toContain("Spending: Bought for ¥76,800");
    expect(email.html).toContain("<li>milk</li>");
    expect(email.html).toContain(`href="${URL_NEED}"`);
    expect(email.html).toContain(`href="${UNSUBSCRIBE}"`);
    expect(email.text).toContain("Unsubscribe");
  });

  it("reads naturally in Japanese, with the date written for Japanese readers", async () => {
    const email = await renderEmail({ kind: "new-update", locale: "ja", props, unsubscribeUrl: UNSUBSCRIBE });
    expect(email.subject).toBe("「Refrigerator for the shelter」の活動報告：The fridge was delivered");
    expect(email.text).toContain("Yodogawa Refuge Network が「Refrigerator for the shelter」の活動報告を投稿しました。");
    expect(email.text).toContain("日付：2026年3月20日");
    expect(email.text).toContain("この募集は「お届け済み」になりました。");
    expect(email.text).toContain("配信を停止する");
    expect(email.html).toContain('lang="ja"');
  });

  it("has an organisation-wide variant", async () => {
    const email = await renderEmail({
      kind: "new-update",
      locale: "en",
      props: { ...props, needTitle: null, lifecycleStep: null, spendNote: "", updateUrl: "https://tomoni.example/orgs/yodogawa#update-3" },
    });
    expect(email.subject).toBe("News from Yodogawa Refuge Network: The fridge was delivered");
    expect(email.text).toContain("You receive this email because you asked for updates from Yodogawa Refuge Network");
    expect(email.text).not.toContain("The need is now");
  });

  // The same kind of payloads as tests/unit/markdown.test.ts: the body is organiser input.
  const payloads = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](https://tracker.example/pixel.gif)",
    '<p onclick="alert(1)">x</p>',
    "<style>body{display:none}</style>",
  ];

  it.each(payloads)("neutralises %s in the body", async (payload) => {
    const email = await renderEmail({ kind: "new-update", locale: "en", props: { ...props, body: `Before\n\n${payload}\n\nAfter` }, unsubscribeUrl: UNSUBSCRIBE });
    const html = email.html.toLowerCase();
    expect(html).not.toMatch(/<(script|iframe|svg|img|style|object|embed)\b/);
    expect(html).not.toMatch(/\son[a-z]+\s*=/);
    expect(html).not.toMatch(/href\s*=\s*"\s*(javascript|data|vbscript):/);
    expect(html).not.toContain("tracker.example");
    expect(email.text).toContain("After");
  });

  it("escapes markup in the titles", async () => {
    const email = await renderEmail({ kind: "new-update", locale: "en", props: { ...props, updateTitle: "<b onmouseover=alert(1)>Hi</b>" } });
    expect(email.html).not.toContain("<b onmouseover");
    expect(email.html).toContain("&lt;b onmouseover=alert(1)&gt;Hi&lt;/b&gt;");
  });

  it("refuses props it cannot render", () => {
    expect(() => validateEmailProps("new-update", { ...props, eventDate: "2026-02-30" })).toThrow(EmailTemplateError);
    expect(() => validateEmailProps("new-update", { ...props, updateUrl: "javascript:alert(1)" })).toThrow(EmailTemplateError);
    expect(() => validateEmailProps("new-update", { ...props, updateTitle: "" })).toThrow(EmailTemplateError);
    expect(() => validateEmailProps("new-update", { ...props, extra: 1 })).toThrow(EmailTemplateError);
  });
});
