import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_ORGANISATIONS, DEMO_ORGANISER } from "../../db/demo-content";
import { axeViolations, launchChromium, screenshot, startE2EServer, type E2EServer } from "./browser";

/**
 * Issue 6, tried as a new user would on the embedded defaults: the demo refrigerator shows its
 * two dated updates newest event first, with the steps still ahead; the demo organiser posts a
 * dated update, previews and publishes it, and the local mailbox then holds one email per
 * opted-in backer — in Japanese for the Japanese backers.
 */

const ORG = "yodogawa-refuge-network";
const NEED = "refrigerator-for-the-shelter";
const TITLE = `The shelter is ready for the fridge ${Date.now()}`;

// The oracle is the seed data itself: who gave to the refrigerator and asked for updates.
const fridge = DEMO_ORGANISATIONS.flatMap((o) => o.needs).find((n) => n.slug === NEED)!;
const optedIn = [...new Map(fridge.donations.filter((d) => d.updatesOptIn).map((d) => [d.donorEmail, d.locale])).entries()];

let server: E2EServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  server = await startE2EServer({ emailWorker: true });
  browser = await launchChromium();
  context = await browser.newContext({ baseURL: server.url, locale: "en-GB", viewport: { width: 412, height: 915 } });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

describe("dated updates", () => {
  it("shows the refrigerator's two updates, newest event first, and the steps ahead", async () => {
    await page.goto(`/needs/${NEED}`);
    const titles = await page.locator(".timeline-update h3").allTextContents();
    const expected = [...fridge.updates].sort((a, b) => a.eventDaysAgo - b.eventDaysAgo).map((u) => u.title);
    expect(titles).toEqual(expected);
    expect(await page.locator(".lifecycle-step.step-ahead .step-name").allTextContents()).toEqual(expect.arrayContaining(["Funded", "Purchased", "Delivered"]));
    await screenshot(page, "timeline-demo-fridge");
  });

  it("lets the demo organiser post, preview and publish a dated update", async () => {
    await page.goto("/login");
    await page.getByLabel("Email address").fill(DEMO_ORGANISER.email);
    await page.getByLabel("Password").fill(DEMO_ORGANISER.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL("**/dashboard**");
    await page.goto(`/dashboard/${ORG}/updates/new?need=${NEED}`);
    await page.getByText("Protect the people you help").waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel("Title").fill(TITLE);
    await page.getByLabel("What happened").fill("The kitchen shelf is cleared and the **socket** is installed.");
    await screenshot(page, "update-new");
    await page.getByRole("button", { name: "Save and preview" }).click();
    await page.waitForURL("**/preview");
    await page.getByRole("heading", { name: TITLE }).first().waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, "update-preview");
    await page.getByLabel("Nobody is named, shown or located, and anyone whose story this tells agreed to it").check();
    await page.getByRole("button", { name: "Publish and email backers" }).click();
    await page.waitForURL((url) => !url.pathname.endsWith("/preview"));
    await page.goto(`/needs/${NEED}`);
    expect((await page.locator(".timeline-update h3").allTextContents())[0]).toBe(TITLE);
    await screenshot(page, "timeline-after-update");
  });

  it("puts one email per opted-in backer in the local mailbox, in each backer's language", async () => {
    expect(optedIn.length).toBeGreaterThan(2);
    const rows = () => page.locator("tr").filter({ hasText: TITLE });
    await expect
      .poll(
        async () => {
          await page.goto("/dev/mail");
          return rows().count();
        },
        { timeout: 20_000 },
      )
      .toBe(optedIn.length);
    for (const [email, locale] of optedIn) {
      const row = rows().filter({ hasText: email });
      expect(await row.count(), email).toBe(1);
      const subject = (await row.textContent()) ?? "";
      if (locale === "ja") expect(subject, email).toContain("活動報告");
      else expect(subject, email).toContain("Update on");
    }
    await screenshot(page, "update-emails-in-mailbox");
  });
});

describe("following a need by email", () => {
  // A browser of its own with JavaScript, and one without: the confirm button must work in both.
  it.each([
    ["with JavaScript", true],
    ["without JavaScript", false],
  ] as const)("a visitor follows the refrigerator and confirms from the emailed link, %s", async (label, javaScriptEnabled) => {
    const visitor = await browser.newContext({ baseURL: server.url, locale: "en-GB", javaScriptEnabled, viewport: { width: 412, height: 915 } });
    const tab = await visitor.newPage();
    tab.setDefaultTimeout(15_000);
    const email = `follower-${javaScriptEnabled ? "js" : "nojs"}-${Date.now()}@example.org`;
    try {
      await tab.goto(`/needs/${NEED}`);
      await tab.getByLabel("Your email address").fill(email);
      await tab.getByRole("button", { name: "Follow", exact: true }).click();
      await tab.getByRole("heading", { name: "Check your inbox" }).waitFor();

      const row = tab.locator("tr").filter({ hasText: email });
      await expect
        .poll(
          async () => {
            await tab.goto("/dev/mail");
            return row.count();
          },
          { timeout: 20_000 },
        )
        .toBe(1);
      await row.getByRole("link").click();
      await tab.locator(".mail-text a", { hasText: "/follow/confirm/" }).first().click();
      await tab.waitForURL("**/follow/confirm/**");
      await screenshot(tab, `follow-confirm-${javaScriptEnabled ? "js" : "nojs"}`);
      // The page's referrer policy must not turn this post's Origin into "null" (the CSRF guard refuses that).
      await tab.getByRole("button", { name: "Yes, send me updates" }).click();
      await tab.getByRole("heading", { name: /^You are following/ }).waitFor();
      await screenshot(tab, `follow-confirmed-${javaScriptEnabled ? "js" : "nojs"}`);
      // axe runs as a script in the page, so only where scripts run.
      if (javaScriptEnabled) expect(await axeViolations(tab), label).toEqual([]);
    } finally {
      await visitor.close();
    }
  });
});
