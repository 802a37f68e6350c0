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

describe("sign-up emails", () => {
  const CONFIRM_URL = "https://tomoni.example/signup/confirm/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde";

  it("signup-confirm carries the link and its expiry, in English and Japanese", async () => {
    const en = await renderEmail({ kind: "signup-confirm", locale: "en", props: { confirmUrl: CONFIRM_URL, expiresInHours: 24 } });
    expect(en.subject).toBe("Confirm your email address for Tomoni");
    expect(en.html).toContain(`href="${CONFIRM_URL}"`);
    expect(en.text).toContain(CONFIRM_URL);
    expect(en.text).toContain("expires 24 hours after it was sent");
    expect(en.text).toContain("no account is created");
    const ja = await renderEmail({ kind: "signup-confirm", locale: "ja", props: { confirmUrl: CONFIRM_URL, expiresInHours: 24 } });
    expect(ja.subject).toBe("Tomoni のメールアドレスの確認");
    expect(ja.text).toContain("24 時間で無効になります");
    expect(ja.html).toContain('lang="ja"');
  });

  it("signup-existing offers a way in and changes nothing", async () => {
    const props = { loginUrl: "https://tomoni.example/login", forgotPasswordUrl: "https://tomoni.example/forgot-password" };
    const en = await renderEmail({ kind: "signup-existing", locale: "en", props });
    expect(en.subject).toBe("You already have a Tomoni account");
    expect(en.html).toContain('href="https://tomoni.example/login"');
    expect(en.text).toContain("https://tomoni.example/forgot-password");
    expect(en.text).toContain("nothing was changed");
    const ja = await renderEmail({ kind: "signup-existing", locale: "ja", props });
    expect(ja.subject).toBe("Tomoni のアカウントはすでにあります");
  });

  it("refuse links that are not http(s)", () => {
    expect(() => validateEmailProps("signup-confirm", { confirmUrl: "javascript:alert(1)", expiresInHours: 24 })).toThrow(EmailTemplateError);
    expect(() => validateEmailProps("signup-existing", { loginUrl: "data:text/html,x", forgotPasswordUrl: "https://t.example/f" })).toThrow(EmailTemplateError);
  });
});
