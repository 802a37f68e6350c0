import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMAIL_HTML_CSP } from "~/email/devmail.server";
import { renderEmail } from "~/email/render.server";
import type { Locale } from "~/locales";
import { deliverToMailbox } from "~/models/mailbox.server";
import { PRODUCTION_ENV, startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
let app: TestApp;
const ids: Record<Locale, number> = { en: 0, ja: 0 };
const UNSUBSCRIBE = "http://localhost:3000/unsubscribe/tok_0123456789abcdefghijklmnopqrstuvwxyzABCDEF";

/** What the worker does without a Resend key: render, then drop the result in the mailbox. */
async function deliver(locale: Locale, recipient: string, props: Record<string, unknown>) {
  const email = await renderEmail({ kind: "test", locale, props, unsubscribeUrl: UNSUBSCRIBE });
  const messageId = await deliverToMailbox(database.db, {
    idempotencyKey: `test:${locale}:${recipient}`,
    sender: "Tomoni <no-reply@tomoni.example>",
    recipient,
    subject: email.subject,
    html: email.html,
    text: email.text,
    headers: { "List-Unsubscribe": `<${UNSUBSCRIBE}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
    locale,
  });
  const row = await database.db.selectFrom("mailbox_messages").where("message_id", "=", messageId).select(["id", "html"]).executeTakeFirstOrThrow();
  return { ...row, email };
}

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp(database.db);
  ids.en = (await deliver("en", "aiko@example.com", { name: "Aiko <script>alert(1)</script>", message: "See https://tomoni.example/needs/fridge" })).id;
  ids.ja = (await deliver("ja", "ken@example.jp", { name: "健" })).id;
});
afterAll(async () => {
  await app?.close();
  await database?.destroy();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${app.url}${path}`, { headers });

describe("the local mailbox", () => {
  it("lists sent emails in both languages: to, subject, language, time", async () => {
    const res = await get("/dev/mail");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<h1>Local mailbox</h1>");
    for (const heading of ["To", "Subject", "Language", "Received"]) expect(html).toContain(`<th scope="col">${heading}</th>`);
    expect(html).toContain("aiko@example.com");
    expect(html).toContain("ken@example.jp");
    expect(html).toContain("健 様：Tomoni からのテストメール");
    expect(html).toContain("Aiko &lt;script&gt;alert(1)&lt;/script&gt;: a test email from Tomoni");
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain(`href="/dev/mail/${ids.en}"`);
    expect(html).toContain(`href="/dev/mail/${ids.ja}"`);
    expect(html).toMatch(/<td>English<\/td>/);
    expect(html).toMatch(/<td>Japanese<\/td>/);
    expect(html).toMatch(/<time dateTime="\d{4}-\d\d-\d\dT/);
    expect(html).toContain('href="/dev/mail/previews/test?locale=ja"');
  });

  it("has its own words in Japanese", async () => {
    const html = await (await get("/dev/mail", { "Accept-Language": "ja" })).text();
    expect(html).toContain("<h1>ローカルメールボックス</h1>");
    expect(html).toContain('<th scope="col">件名</th>');
    expect(html).toMatch(/<td>日本語<\/td>/);
  });

  it("shows one message: headers, text and the HTML in a sandboxed, labelled frame", async () => {
    const res = await get(`/dev/mail/${ids.ja}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<h1 class=\"break\">健 様：Tomoni からのテストメール</h1>");
    expect(html).toContain("ken@example.jp");
    expect(html).toContain("List-Unsubscribe-Post");
    expect(html).toContain("テストメールです"); // the text version
    expect(html).toMatch(
      new RegExp(`<iframe class="mail-frame" src="/dev/mail/${ids.ja}/html" sandbox="" title="HTML version of the email “健 様：Tomoni からのテストメール”">`),
    );
    // The page itself keeps the app's strict policy.
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
  });

  it("makes links in the text version clickable, and nothing else", async () => {
    const html = await (await get(`/dev/mail/${ids.en}`)).text();
    expect(html).toContain('<a href="https://tomoni.example/needs/fridge" rel="noreferrer">https://tomoni.example/needs/fridge</a>');
    expect(html).toContain("Hello Aiko &lt;script&gt;alert(1)&lt;/script&gt;,");
  });

  it("serves the stored HTML on its own, under a policy of its own that only our pages may frame", async () => {
    const stored = await database.db.selectFrom("mailbox_messages").where("id", "=", ids.en).select("html").executeTakeFirstOrThrow();
    const res = await get(`/dev/mail/${ids.en}/html`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await res.text()).toBe(stored.html);
    // Exactly one policy: the app-wide header was replaced, not joined (fetch joins repeats with ", ").
    expect(res.headers.get("content-security-policy")).toBe(EMAIL_HTML_CSP);
    expect(EMAIL_HTML_CSP).toContain("frame-ancestors 'self'");
    expect(EMAIL_HTML_CSP).toContain("sandbox");
    expect(EMAIL_HTML_CSP).not.toContain("script-src");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    // Headers the route leaves alone keep their app-wide values.
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
  });

  it("answers 404 for a message that does not exist", async () => {
    for (const path of ["/dev/mail/999999", "/dev/mail/abc", "/dev/mail/999999/html", "/dev/mail/1e3/html"]) {
      expect((await get(path)).status, path).toBe(404);
    }
  });
});

describe("template previews", () => {
  it("render every template with its PreviewProps, as HTML or text, in either language", async () => {
    const ja = await get("/dev/mail/previews/test?locale=ja");
    expect(ja.status).toBe(200);
    expect(ja.headers.get("content-security-policy")).toBe(EMAIL_HTML_CSP);
    const html = await ja.text();
    expect(html).toContain('lang="ja"');
    expect(html).toContain("テストメールです");

    const text = await get("/dev/mail/previews/test?locale=en&format=text");
    expect(text.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const body = await text.text();
    expect(body).toMatch(/^Subject: Aiko: a test email from Tomoni\n/);
    expect(body).toContain("/unsubscribe/");

    expect((await get("/dev/mail/previews/no-such-kind")).status).toBe(404);
    expect((await get("/dev/mail/previews/constructor")).status).toBe(404);
  });
});

describe("in production", () => {
  it("does not exist", async () => {
    const prod = await startTestApp(database.db, PRODUCTION_ENV);
    try {
      for (const path of ["/dev/mail", `/dev/mail/${ids.en}`, `/dev/mail/${ids.en}/html`, "/dev/mail/previews/test"]) {
        const res = await fetch(`${prod.url}${path}`);
        expect(res.status, path).toBe(404);
        expect(await res.text()).not.toContain("aiko@example.com");
      }
    } finally {
      await prod.close();
    }
  });
});
