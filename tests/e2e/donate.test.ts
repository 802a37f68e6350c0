import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, launchChromium, screenshot, startE2EServer, type E2EServer } from "./browser";

/**
 * Issue 5, tried as a new user would on the embedded defaults (PGlite, demo payments, local
 * mailbox): give ¥3,000 to the demo refrigerator with a public name and a message, through the
 * demo checkout, to the thank-you page; the need page then shows the new total, one more backer
 * and the message, and the receipt is in the local mailbox. Then the same in Japanese with
 * JavaScript off, paying later (a delayed method) until the payment arrives, and in English
 * with JavaScript off. Both languages are checked with axe, the form's errors included.
 */

const NEED = "/needs/refrigerator-for-the-shelter";

let server: E2EServer;
let browser: Browser;

beforeAll(async () => {
  server = await startE2EServer({ emailWorker: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The need page's "¥X raised of ¥Y" and backers line. */
async function progress(page: Page): Promise<{ raised: string; backers: string }> {
  await page.goto(NEED);
  return {
    raised: (await page.locator(".need-progress .raised strong").textContent()) ?? "",
    backers: (await page.locator(".need-progress .meta span").first().textContent()) ?? "",
  };
}

describe("a donor in English, with JavaScript", () => {
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    context = await browser.newContext({ baseURL: server.url, locale: "en-GB", viewport: { width: 412, height: 915 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (error) => pageErrors.push(String(error)));
  });
  afterAll(async () => {
    await context?.close();
  });

  it("finds the refrigerator from the home page", async () => {
    const before = await progress(page);
    expect(before).toEqual({ raised: "¥46,000 raised of ¥92,000", backers: "7 backers" });
    await page.goto("/");
    await page.getByRole("link", { name: "Refrigerator for the shelter" }).first().click();
    await page.waitForURL(`**${NEED}`);
    await page.getByRole("heading", { level: 2, name: "Donate" }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, "donate-need-page");
  });

  it("is told what is missing, next to the field", async () => {
    await page.getByLabel("¥3,000").check();
    await page.getByRole("button", { name: "Continue to payment" }).click();
    await page.locator(".error-summary").waitFor();
    expect(await page.locator(".error-summary").textContent()).toContain("Enter your email address for the receipt.");
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, "donate-errors");
  });

  it("gives ¥3,000 with a public name and a message, on the demo checkout", async () => {
    await page.getByLabel("¥3,000").check();
    await page.getByLabel("Your name").fill("Aiko Tanaka");
    await page.getByLabel("Show my name publicly").check();
    await page.getByLabel("Public message").fill("Keep the food cold!");
    await page.getByLabel("Email", { exact: true }).fill("aiko.tanaka@example.org");
    await screenshot(page, "donate-form-filled");
    await page.getByRole("button", { name: "Continue to payment" }).click();
    await page.waitForURL("**/checkout/demo/**");
    await page.getByRole("heading", { level: 1, name: "Demo checkout — no real money" }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, "demo-checkout");
    await page.getByRole("button", { name: "Pay ¥3,000" }).click();
    await page.waitForURL("**/thanks?session_id=*");
    await page.getByRole("heading", { level: 1, name: "Thank you for your gift" }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, "thank-you");
  });

  it("sees the new total, one more backer and the message on the need page", async () => {
    expect(await progress(page)).toEqual({ raised: "¥49,000 raised of ¥92,000", backers: "8 backers" });
    const supporter = page.locator(".supporter", { hasText: "Aiko Tanaka" });
    await expect.poll(() => supporter.locator(".supporter-message").textContent()).toBe("Keep the food cold!");
    await screenshot(page, "need-after-gift");
    expect(pageErrors).toEqual([]);
  });

  it("finds the receipt in the local mailbox", async () => {
    // The outbox worker runs inside the server; give it a moment to deliver.
    await expect
      .poll(
        async () => {
          await page.goto("/dev/mail");
          return page.locator("tr", { hasText: "aiko.tanaka@example.org" }).filter({ hasText: "receipt" }).count();
        },
        { timeout: 15_000 },
      )
      .toBe(1);
    await page.locator("tr", { hasText: "aiko.tanaka@example.org" }).getByRole("link").first().click();
    await page.getByText("¥3,000").first().waitFor();
    await screenshot(page, "receipt-in-mailbox");
  });
});

describe("a donor in Japanese, without JavaScript, paying later", () => {
  let context: BrowserContext;
  let page: Page;
  let checkoutUrl = "";
  let thanksUrl = "";

  beforeAll(async () => {
    context = await browser.newContext({ baseURL: server.url, locale: "ja-JP", javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  });
  afterAll(async () => {
    await context?.close();
  });

  it("gives ¥1,500 typed in full-width digits, and it counts only when the payment arrives", async () => {
    await page.goto(NEED);
    await page.getByLabel("その他の金額").check();
    await page.getByLabel("金額（JPY）").fill("１，５００");
    await page.getByRole("textbox", { name: "メールアドレス", description: "領収書をお送りします。一般に公開されることはありません。" }).fill("kenji@example.org");
    await screenshot(page, "ja-donate-form");
    await page.getByRole("button", { name: "お支払いへ進む" }).click();
    await page.waitForURL("**/checkout/demo/**");
    checkoutUrl = page.url();
    await screenshot(page, "ja-demo-checkout");
    await page.getByRole("button", { name: /後で支払う/ }).click();
    await page.getByRole("heading", { level: 2, name: "入金を待っています" }).waitFor();
    await screenshot(page, "ja-awaiting-payment");

    // Pending money is not counted.
    const pending = await browser.newContext({ baseURL: server.url, locale: "en-GB" });
    const observer = await pending.newPage();
    expect((await progress(observer)).raised).toBe("¥49,000 raised of ¥92,000");

    await page.getByRole("button", { name: "入金があった" }).click();
    await page.waitForURL("**/thanks?session_id=*");
    await page.getByRole("heading", { level: 1, name: "ご寄付ありがとうございます" }).waitFor();
    thanksUrl = page.url();
    await screenshot(page, "ja-thank-you");

    expect(await progress(observer)).toEqual({ raised: "¥50,500 raised of ¥92,000", backers: "9 backers" });
    await pending.close();
  });

  it("has no accessibility violations on the Japanese pages", async () => {
    // axe runs inside the page, so it needs JavaScript: the same pages, seen with it on.
    const checking = await browser.newContext({ baseURL: server.url, locale: "ja-JP" });
    const viewer = await checking.newPage();
    viewer.setDefaultTimeout(15_000);
    for (const url of [NEED, checkoutUrl, thanksUrl]) {
      await viewer.goto(url);
      expect(await axeViolations(viewer), url).toEqual([]);
    }
    // The form with its errors, and a checkout still open (not paid: it stays pending).
    await viewer.goto(NEED);
    await viewer.getByLabel("￥3,000").check();
    await viewer.getByRole("button", { name: "お支払いへ進む" }).click();
    await viewer.locator(".error-summary").waitFor();
    expect(await viewer.locator("#email-error").textContent()).toContain("メールアドレス");
    expect(await axeViolations(viewer), "errors").toEqual([]);
    await screenshot(viewer, "ja-donate-errors");
    await viewer.getByRole("textbox", { name: "メールアドレス", description: "領収書をお送りします。一般に公開されることはありません。" }).fill("haruka@example.org");
    await viewer.getByRole("button", { name: "お支払いへ進む" }).click();
    await viewer.getByRole("heading", { level: 1, name: "デモ決済 — 実際のお金は動きません" }).waitFor();
    expect(await viewer.getByRole("button", { name: "￥3,000 を支払う" }).count()).toBe(1);
    expect(await axeViolations(viewer), "open checkout").toEqual([]);
    await screenshot(viewer, "ja-demo-checkout-open");
    await checking.close();
  });
});

describe("a donor in English, without JavaScript", () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ baseURL: server.url, locale: "en-GB", javaScriptEnabled: false });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  });
  afterAll(async () => {
    await context?.close();
  });

  it("gives ¥1,000 toward one item, anonymously, with plain forms", async () => {
    await page.goto(NEED);
    await page.getByLabel("¥1,000").check();
    await page.getByRole("radio", { name: /^Food storage containers/ }).check();
    await page.getByLabel("Your name").fill("Sam Okafor");
    await page.getByLabel("Anonymous to the public (the organisers still see my name)").check();
    await page.getByLabel("Email", { exact: true }).fill("sam@example.org");
    await screenshot(page, "en-nojs-donate-form");
    await page.getByRole("button", { name: "Continue to payment" }).click();
    await page.getByRole("heading", { level: 1, name: "Demo checkout — no real money" }).waitFor();
    expect(await page.locator(".demo-summary").textContent()).toContain("Food storage containers");
    await screenshot(page, "en-nojs-demo-checkout");
    await page.getByRole("button", { name: "Pay ¥1,000" }).click();
    await page.getByRole("heading", { level: 1, name: "Thank you for your gift" }).waitFor();
    expect(page.url()).toContain("/thanks?session_id=");
    await screenshot(page, "en-nojs-thank-you");

    expect(await progress(page)).toEqual({ raised: "¥51,500 raised of ¥92,000", backers: "10 backers" });
    // Anonymous to the public: the name is nowhere on the page.
    expect(await page.locator("main").innerText()).not.toContain("Sam Okafor");
    await screenshot(page, "en-nojs-need-after-gift");
  });
});
