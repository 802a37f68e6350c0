import { describe, expect, it } from "vitest";
import { EmailTemplateError, renderEmail, validateEmailProps } from "~/email/render.server";
import { paymentsEmailStrings } from "../../emails/payments-strings";

const NEED_URL = "https://tomoni.example/needs/refrigerator";

const receipt = {
  donationId: 42,
  donorName: "Aiko Tanaka",
  showName: false,
  amount: 10_000,
  feeCover: 400,
  currency: "JPY",
  needTitle: "A refrigerator for the shelter",
  needUrl: NEED_URL,
  organisationName: "Yodogawa Refuge Network",
  paidAt: "2026-01-25T03:15:00.000Z",
};

describe("receipt email", () => {
  it("states the amount, the fee cover, the total, the need, the organisation, the date and that it is not tax-deductible (English)", async () => {
    const email = await renderEmail({ kind: "receipt", locale: "en", props: receipt });
    expect(email.subject).toBe("Your donation to Yodogawa Refuge Network: receipt");
    expect(email.text).toContain("Hello Aiko Tanaka,");
    expect(email.text).toContain("Yodogawa Refuge Network has received your donation to “A refrigerator for the shelter”");
    expect(email.text).toContain("Donation: ¥10,000");
    expect(email.text).toContain("Processing fee you covered: ¥400");
    expect(email.text).toContain("Total charged: ¥10,400");
    // 03:15 UTC is 12:15 in Japan, on the same day.
    expect(email.text).toContain("January 25, 2026");
    expect(email.text).toContain("Japan time");
    expect(email.text).toContain("Donation #42");
    expect(email.text).toContain("This donation is not tax-deductible.");
    expect(email.text).toContain("anonymous to the public");
    expect(email.html).toContain(`href="${NEED_URL}"`);
    expect(email.html).toContain('lang="en"');
  });

  it("reads naturally in Japanese, with the amounts formatted for Japanese readers", async () => {
    const email = await renderEmail({ kind: "receipt", locale: "ja", props: { ...receipt, showName: true } });
    expect(email.subject).toBe("Yodogawa Refuge Network へのご寄付の明細");
    expect(email.text).toContain("Aiko Tanaka 様");
    expect(email.text).toContain("「A refrigerator for the shelter」へのご寄付を受け付けました");
    expect(email.text).toContain("お支払い合計：￥10,400");
    expect(email.text).toContain("2026年1月25日");
    expect(email.text).toContain("このご寄付は税控除（寄附金控除）の対象ではありません。");
    expect(email.text).toContain("お名前が表示されます");
    expect(email.html).toContain('lang="ja"');
  });

  it("leaves out the fee cover line when none was added, and handles two-decimal currencies exactly", async () => {
    const email = await renderEmail({ kind: "receipt", locale: "en", props: { ...receipt, currency: "USD", amount: 1250, feeCover: 0 } });
    expect(email.text).not.toContain("Processing fee you covered");
    expect(email.text).toContain("Total charged: $12.50");
  });

  it("refuses money that is not integer minor units", () => {
    expect(() => validateEmailProps("receipt", { ...receipt, amount: 10.5 })).toThrow(EmailTemplateError);
    expect(() => validateEmailProps("receipt", { ...receipt, currency: "jpy" })).toThrow(EmailTemplateError);
  });

  it("escapes what donors and organisers typed", async () => {
    const email = await renderEmail({ kind: "receipt", locale: "en", props: { ...receipt, donorName: "<b>x</b>", needTitle: "<script>y</script>" } });
    expect(email.html).not.toContain("<script>y");
    expect(email.html).toContain("&lt;script&gt;");
  });
});

describe("goal-met email", () => {
  const props = {
    audience: "backer",
    needTitle: "A refrigerator for the shelter",
    needUrl: NEED_URL,
    organisationName: "Yodogawa Refuge Network",
    goal: 92_000,
    raised: 93_500,
    currency: "JPY",
  };

  it("thanks a backer, in English and Japanese", async () => {
    const en = await renderEmail({ kind: "goal-met", locale: "en", props });
    expect(en.subject).toBe("Goal met: A refrigerator for the shelter");
    expect(en.text).toContain("has reached its goal of ¥92,000");
    expect(en.text).toContain("because you donated to this need");
    expect(en.html).toContain(`href="${NEED_URL}"`);
    const ja = await renderEmail({ kind: "goal-met", locale: "ja", props });
    expect(ja.subject).toBe("目標達成：A refrigerator for the shelter");
    expect(ja.text).toContain("目標金額 ￥92,000 に達しました");
    expect(ja.html).toContain('lang="ja"');
  });

  it("tells organisers what was raised and what to do next", async () => {
    const en = await renderEmail({ kind: "goal-met", locale: "en", props: { ...props, audience: "organiser" } });
    expect(en.text).toContain("¥93,500 has been raised");
    expect(en.text).toContain("Post an update");
    const ja = await renderEmail({ kind: "goal-met", locale: "ja", props: { ...props, audience: "organiser" } });
    expect(ja.text).toContain("集まった金額：￥93,500");
    expect(ja.text).toContain("活動報告を投稿");
  });
});

describe("payment email strings", () => {
  it("has every key in Japanese that it has in English, none empty", () => {
    expect(Object.keys(paymentsEmailStrings.ja).sort()).toEqual(Object.keys(paymentsEmailStrings.en).sort());
    for (const value of [...Object.values(paymentsEmailStrings.en), ...Object.values(paymentsEmailStrings.ja)]) expect(value.trim()).not.toBe("");
  });
});
