import { describe, expect, it } from "vitest";
import { EmailTemplateError, renderEmail, validateEmailProps } from "~/email/render.server";

const RESET_URL = "https://tomoni.example/reset-password/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde";
const ACCEPT_URL = "https://tomoni.example/invitations/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde";

describe("password-reset email", () => {
  it("carries the link and its expiry, in English and Japanese", async () => {
    const en = await renderEmail({ kind: "password-reset", locale: "en", props: { resetUrl: RESET_URL, expiresInMinutes: 60 } });
    expect(en.subject).toBe("Reset your Tomoni password");
    expect(en.html).toContain(`href="${RESET_URL}"`);
    expect(en.text).toContain(RESET_URL);
    expect(en.text).toContain("expires 60 minutes after it was sent");
    expect(en.text).toContain("you can ignore this email");
    const ja = await renderEmail({ kind: "password-reset", locale: "ja", props: { resetUrl: RESET_URL, expiresInMinutes: 60 } });
    expect(ja.subject).toBe("Tomoni のパスワード再設定");
    expect(ja.text).toContain("60 分で無効になります");
    expect(ja.html).toContain('lang="ja"');
  });

  it("refuses links that are not http(s)", () => {
    expect(() => validateEmailProps("password-reset", { resetUrl: "javascript:alert(1)", expiresInMinutes: 60 })).toThrow(EmailTemplateError);
  });
});

describe("invitation email", () => {
  const props = { organisationName: "Yodogawa Refuge Network", inviterName: "Aiko", role: "owner", acceptUrl: ACCEPT_URL, expiresInDays: 7 };

  it("names the organisation, the inviter and the role, with the link", async () => {
    const en = await renderEmail({ kind: "invitation", locale: "en", props });
    expect(en.subject).toBe("Join Yodogawa Refuge Network on Tomoni");
    expect(en.text).toContain("Aiko invited you to help run Yodogawa Refuge Network on Tomoni as an owner");
    expect(en.html).toContain(`href="${ACCEPT_URL}"`);
    expect(en.text).toContain("expires in 7 days");
    const ja = await renderEmail({ kind: "invitation", locale: "ja", props: { ...props, role: "organiser" } });
    expect(ja.subject).toBe("Tomoni で Yodogawa Refuge Network に参加しませんか");
    expect(ja.text).toContain("オーガナイザー");
  });

  it("escapes what the organisation typed", async () => {
    const email = await renderEmail({ kind: "invitation", locale: "en", props: { ...props, organisationName: "<script>x</script>" } });
    expect(email.html).not.toContain("<script>x");
    expect(email.html).toContain("&lt;script&gt;");
  });
});
