import { describe, expect, it } from "vitest";
import { emailStrings } from "../../emails/strings";
import {
  EmailTemplateError,
  emailKinds,
  previewPropsFor,
  renderEmail,
  sanitiseSubject,
  SUBJECT_MAX_CODE_POINTS,
  validateEmailProps,
} from "~/email/render.server";
import { LOCALES } from "~/locales";

const UNSUBSCRIBE = "https://tomoni.example/unsubscribe/tok_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe("the test email", () => {
  it("renders in English: subject, HTML and text, with the footer saying why", async () => {
    const email = await renderEmail({ kind: "test", locale: "en", props: { name: "Aiko", message: "First line\nSecond line" } });
    expect(email.subject).toBe("Aiko: a test email from Tomoni");
    expect(email.html).toContain('lang="en"');
    expect(email.html).toContain("This is a test email");
    expect(email.html).toContain("Hello Aiko,");
    expect(email.html).toContain("a Tomoni operator sent a test message to this address");
    expect(email.text).toContain("This is a test email");
    expect(email.text).toContain("First line");
    expect(email.text).toContain("Second line");
    expect(email.text).toContain("You receive this email because a Tomoni operator sent a test message to this address.");
    // The text version is text: no markup left in it.
    expect(email.text).not.toMatch(/<[a-z]/i);
  });

  it("renders in Japanese for a Japanese recipient", async () => {
    const email = await renderEmail({ kind: "test", locale: "ja", props: { name: "愛子" } });
    expect(email.subject).toBe("愛子 様：Tomoni からのテストメール");
    expect(email.html).toContain('lang="ja"');
    expect(email.html).toContain("テストメールです");
    expect(email.text).toContain("愛子 様");
    expect(email.text).toContain("このメールをお送りしています");
    expect(email.text).not.toContain("This is a test email");
  });

  it("falls back to a generic subject and greeting without a name", async () => {
    const email = await renderEmail({ kind: "test", locale: "en", props: { name: "   " } });
    expect(email.subject).toBe("A test email from Tomoni");
    expect(email.text).toContain("Hello,");
  });

  it("shows the unsubscribe link only when given one", async () => {
    for (const locale of LOCALES) {
      const withLink = await renderEmail({ kind: "test", locale, props: {}, unsubscribeUrl: UNSUBSCRIBE });
      expect(withLink.html).toContain(`href="${UNSUBSCRIBE}"`);
      expect(withLink.text).toContain(UNSUBSCRIBE);
      expect(withLink.html).toContain(emailStrings[locale]["layout.unsubscribe.link"]);

      const without = await renderEmail({ kind: "test", locale, props: {} });
      expect(without.html).not.toContain("/unsubscribe/");
      expect(without.html).not.toContain(emailStrings[locale]["layout.unsubscribe.link"]);
      expect(without.text).not.toContain(emailStrings[locale]["layout.unsubscribe.lead"]);
      // The footer explaining why is there either way.
      expect(without.text).toContain(emailStrings[locale]["test.reason"]);
    }
  });

  it("names the organisation when the email concerns one, and only then", async () => {
    const about = await renderEmail({ kind: "test", locale: "en", props: { organisationName: "Yodogawa Refuge Network" } });
    expect(about.text).toContain("Yodogawa Refuge Network");
    expect(about.text).toContain("Sent by Tomoni on behalf of Yodogawa Refuge Network.");
    const none = await renderEmail({ kind: "test", locale: "en", props: {} });
    expect(none.text).not.toContain("on behalf of");
  });

  it("loads nothing remote: no images, no tracking pixels, no scripts", async () => {
    const email = await renderEmail({ kind: "test", locale: "en", props: { name: "A" }, unsubscribeUrl: UNSUBSCRIBE });
    expect(email.html).not.toMatch(/<img|<script|<link|src=|url\(/i);
    const links = [...email.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(links).toEqual([UNSUBSCRIBE]);
  });
});

describe("hostile and odd props", () => {
  it("escapes markup: <script> in a name is text, in every place it appears", async () => {
    const name = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const email = await renderEmail({ kind: "test", locale: "en", props: { name, message: name, organisationName: name } });
    expect(email.html).not.toMatch(/<script|<img/i);
    expect(email.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(email.subject).toContain('<script>alert("x")</script>'); // a subject is plain text, not HTML
  });

  it("keeps the subject on one line whatever the name holds", async () => {
    const email = await renderEmail({ kind: "test", locale: "en", props: { name: "Eve\r\nBcc: victim@example.com\u2028\u0000x" } });
    expect(email.subject).not.toMatch(/[\r\n\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(email.subject).toBe("Eve Bcc: victim@example.com x: a test email from Tomoni");
  });

  it("takes 5,000-character props and emoji: the subject is trimmed, the body keeps them whole", async () => {
    const name = `${"👩‍👩‍👧".repeat(10)}${"長".repeat(5_000)}`;
    const message = "x".repeat(5_000);
    const email = await renderEmail({ kind: "test", locale: "ja", props: { name, message } });
    expect([...email.subject].length).toBeLessThanOrEqual(SUBJECT_MAX_CODE_POINTS);
    expect(email.subject.startsWith("👩‍👩‍👧".repeat(10))).toBe(true);
    expect(email.subject.endsWith("…")).toBe(true);
    expect(email.subject).not.toMatch(LONE_SURROGATE);
    expect(email.html).toContain(name);
    expect(email.text).toContain(message);
  });
});

describe("multi-byte text", () => {
  // React 18 pads stream chunks with NUL bytes when a multi-byte character straddles its 2 KB
  // buffer; which emails hit it depends on length, so try a range of lengths.
  it("never leaves NUL characters in the HTML or text, whatever the length of Japanese text", async () => {
    for (let length = 1; length <= 1_400; length += 37) {
      const email = await renderEmail({ kind: "test", locale: "ja", props: { message: "あ".repeat(length), name: "愛子" } });
      expect(email.html).not.toContain("\0");
      expect(email.text).not.toContain("\0");
      expect(email.text).toContain("あ".repeat(length));
    }
  });
});

describe("sanitiseSubject", () => {
  it("leaves an ordinary subject alone", () => {
    expect(sanitiseSubject("Your receipt for ¥5,000 — 受領書")).toBe("Your receipt for ¥5,000 — 受領書");
  });

  it("never cuts an emoji sequence or a surrogate pair at the limit", () => {
    const family = "👩‍👩‍👧"; // 5 code points, one grapheme
    for (let pad = 190; pad <= 200; pad++) {
      const subject = sanitiseSubject(`${"a".repeat(pad)}${family.repeat(5)}`);
      expect([...subject].length).toBeLessThanOrEqual(SUBJECT_MAX_CODE_POINTS);
      const graphemes = [...new Intl.Segmenter("und", { granularity: "grapheme" }).segment(subject)].map((s) => s.segment);
      for (const g of graphemes) expect(["a", family, "…"]).toContain(g);
    }
  });

  it("replaces lone surrogates rather than passing broken UTF-16 on", () => {
    expect(sanitiseSubject("bad \uD83D half")).toBe("bad \uFFFD half");
  });
});

describe("validateEmailProps", () => {
  it("returns the parsed props of a known kind", () => {
    expect(validateEmailProps("test", { name: "Aiko" })).toEqual({ name: "Aiko" });
    expect(validateEmailProps("test", {})).toEqual({});
  });

  it("refuses unknown kinds, including names of Object.prototype members", () => {
    for (const kind of ["receipt-v0", "", "constructor", "__proto__", "toString"]) {
      expect(() => validateEmailProps(kind, {})).toThrow(EmailTemplateError);
    }
  });

  it.each([
    ["a number for a name", { name: 42 }],
    ["an unknown prop (a typo at enqueue time)", { nmae: "Aiko" }],
    ["an absurdly long message", { message: "x".repeat(10_001) }],
    ["null", null],
    ["a string", "Aiko"],
    ["an array", ["Aiko"]],
  ])("refuses %s", (_label, props) => {
    expect(() => validateEmailProps("test", props)).toThrow(EmailTemplateError);
  });

  it("says which prop is wrong without echoing its value", () => {
    try {
      validateEmailProps("test", { name: { secret: "aiko@example.com" } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EmailTemplateError);
      expect((error as Error).message).toContain("name");
      expect((error as Error).message).not.toContain("aiko@example.com");
    }
  });

  it("is applied again at render time", async () => {
    await expect(renderEmail({ kind: "test", locale: "en", props: { name: 1 } })).rejects.toThrow(EmailTemplateError);
    await expect(renderEmail({ kind: "nope", locale: "en", props: {} })).rejects.toThrow(EmailTemplateError);
  });
});

describe("every template", () => {
  it("has valid PreviewProps and renders them in both languages", async () => {
    expect(emailKinds()).toContain("test");
    for (const kind of emailKinds()) {
      const props = validateEmailProps(kind, previewPropsFor(kind));
      for (const locale of LOCALES) {
        const email = await renderEmail({ kind, locale, props, unsubscribeUrl: UNSUBSCRIBE });
        expect(email.subject.length).toBeGreaterThan(0);
        expect(email.html).toContain(`lang="${locale}"`);
        expect(email.text.length).toBeGreaterThan(0);
      }
    }
  });

  it("has every email string in Japanese that it has in English, none empty", () => {
    expect(Object.keys(emailStrings.ja).sort()).toEqual(Object.keys(emailStrings.en).sort());
    for (const value of [...Object.values(emailStrings.en), ...Object.values(emailStrings.ja)]) expect(value.trim()).not.toBe("");
  });
});
