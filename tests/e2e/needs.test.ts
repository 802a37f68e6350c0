import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, launchChromium, screenshot, setLanguage, startE2EServer, type E2EServer } from "./browser";

/**
 * Issues 4 and 7, end to end: an organiser signs up (confirming the address from the emailed link
 * in the local mailbox), creates an organisation, connects Stripe
 * (demo onboarding) and publishes the refrigerator need with three JPY items; it is on the home
 * page and in the API with the goal their sum; the page reads in Japanese after the visible
 * language switch. A donor gives through the demo checkout asking for updates; the organiser
 * posts a dated update and the backer's email is in the local mailbox; the organiser refunds
 * part of the gift from the dashboard and the public total goes down by exactly that. Then axe
 * checks the public, account and dashboard pages in both languages. Every step leaves a
 * screenshot in test-results/screenshots/needs/.
 */

let server: E2EServer;
let browser: Browser;
let organiser: BrowserContext;
let page: Page;

const ORG_SLUG = "osaka-shelter-network";
const NEED_SLUG = "osaka-shelter-fridge";
const EMAIL = `organiser-${Date.now()}@example.org`;
const BACKER = "mika.backer@example.org";
const UPDATE_TITLE = "The refrigerator is ordered";
// A dated update: it happened two days before it is posted (dates are UTC days, as on the server).
const EVENT_DATE = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
// Filled in by the steps, then visited again by the accessibility sweep.
let donationPath = "";
let updatePath = "";

beforeAll(async () => {
  // The email worker delivers the update to the local mailbox.
  server = await startE2EServer({ emailWorker: true });
  browser = await launchChromium();
  organiser = await browser.newContext({ baseURL: server.url, locale: "en-GB", viewport: { width: 412, height: 915 } });
  page = await organiser.newPage();
  page.setDefaultTimeout(15_000);
});
afterAll(async () => {
  await organiser?.close();
  await browser?.close();
  await server?.close();
});

describe("an organiser publishes an itemised need", () => {
  it("signs up", async () => {
    await page.goto("/signup");
    await page.getByLabel("Email address").fill(EMAIL);
    await page.getByLabel("Your name").fill("Aiko");
    await page.getByLabel("Password", { exact: true }).fill("fridge for the shelter 2026");
    await screenshot(page, "signup");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { level: 1, name: "Check your email" }).waitFor();
    await screenshot(page, "signup-check-email");
  });

  it("confirms the address from the emailed link, and only then has an account", async () => {
    const rows = page.locator("tr").filter({ hasText: EMAIL }).filter({ hasText: "Confirm your email address for Tomoni" });
    await expect
      .poll(
        async () => {
          await page.goto("/dev/mail");
          return rows.count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    await rows.getByRole("link").click();
    await screenshot(page, "signup-confirm-email");
    // The text version's link, as a mail client would open it.
    await page.locator(".mail-text a", { hasText: "/signup/confirm/" }).first().click();
    await page.waitForURL("**/signup/confirm/**");
    await screenshot(page, "signup-confirm");
    await page.getByRole("button", { name: "Create my account" }).click();
    await page.waitForURL("**/dashboard");
    await screenshot(page, "dashboard-empty");
  });

  it("creates an organisation", async () => {
    await page.getByRole("link", { name: "Create an organisation" }).click();
    await page.waitForURL("**/dashboard/new-organisation");
    await page.getByLabel("Name", { exact: true }).fill("Osaka Shelter Network");
    await page.getByLabel("Web address").fill(ORG_SLUG);
    await page.getByLabel("City or region").fill("Osaka");
    await screenshot(page, "new-organisation");
    await page.getByRole("button", { name: "Create organisation" }).click();
    await page.waitForURL(`**/dashboard/${ORG_SLUG}`);
    // waitForURL resolves as the URL changes; the new page may render a moment later.
    await page.getByRole("heading", { level: 1, name: "Needs" }).waitFor();
    await screenshot(page, "organisation-needs-empty");
  });

  it("creates the refrigerator need with three JPY items", async () => {
    await page.getByRole("link", { name: "New need" }).click();
    await page.waitForURL(`**/dashboard/${ORG_SLUG}/needs/new`);
    await page.locator("#title").fill("Refrigerator for the shelter");
    await page.locator("#slug").fill(NEED_SLUG);
    await page.locator("#summary").fill("Food Bank deliveries arrive every other week, but the shelter has no refrigerator.");
    await page.locator("#surplusPolicy").fill("Anything above the goal goes to the shelter's food fund.");
    await page.locator("#story").fill("Our shelter has **no refrigerator**: fresh food cannot be kept even a day.");
    const rows = [
      ["Refrigerator (400 L)", "1", "78,000"],
      ["Delivery and installation", "1", "6,000"],
      ["Food storage containers", "10", "800"],
    ];
    for (const [index, [name, quantity, cost]] of rows.entries()) {
      await page.locator(`#item${index}-name`).fill(name!);
      await page.locator(`#item${index}-quantity`).fill(quantity!);
      await page.locator(`#item${index}-unitCost`).fill(cost!);
    }
    // "Add another item" re-renders the form with one more row, keeping what was typed.
    await page.getByRole("button", { name: "Add another item" }).click();
    await page.locator("#item3-name").waitFor();
    expect(await page.locator("#item2-unitCost").inputValue()).toBe("800");
    await screenshot(page, "new-need-form");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.waitForURL(`**/dashboard/${ORG_SLUG}/needs/${NEED_SLUG}?notice=created`);
    await page.getByText("Goal: ¥92,000 — the total of the items below.", { exact: true }).waitFor();
    await screenshot(page, "need-draft-editor");
  });

  it("previews the draft, which is not public yet", async () => {
    await page.getByRole("link", { name: "Preview the public page" }).click();
    await page.waitForURL(`**/needs/${NEED_SLUG}/preview`);
    await page.getByText("Preview — this is how visitors will see the page").waitFor();
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Refrigerator for the shelter");
    await screenshot(page, "need-preview");
    const anonymous = await browser.newContext({ baseURL: server.url });
    const response = await (await anonymous.newPage()).goto(`/needs/${NEED_SLUG}`);
    expect(response?.status()).toBe(404);
    await anonymous.close();
    await page.getByRole("link", { name: "Back to editing" }).click();
    await page.waitForURL(`**/dashboard/${ORG_SLUG}/needs/${NEED_SLUG}`);
  });

  it("connects the organisation's Stripe account first (demo onboarding)", async () => {
    await page.getByText("Before this need can be published").waitFor();
    await page.getByRole("link", { name: "Set up payments" }).click();
    await page.waitForURL(`**/dashboard/${ORG_SLUG}/payments`);
    await page.getByText("Not connected").waitFor();
    await screenshot(page, "payments-not-connected");
    await page.getByRole("button", { name: "Connect with Stripe" }).click();
    await page.waitForURL(`**/dashboard/${ORG_SLUG}/payments/demo-onboarding`);
    await page.getByRole("heading", { level: 1, name: "Demo Stripe onboarding — no real money" }).waitFor();
    await screenshot(page, "payments-demo-onboarding");
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole("button", { name: "Complete onboarding" }).click();
    await page.waitForURL(`**/dashboard/${ORG_SLUG}/payments?notice=completed`);
    await page.getByText("Ready to accept donations").waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, "payments-ready");
    await page.goto(`/dashboard/${ORG_SLUG}/needs/${NEED_SLUG}`);
  });

  it("publishes it", async () => {
    await page.getByRole("button", { name: "Publish" }).click();
    await page.waitForURL(`**/needs/${NEED_SLUG}?notice=status`);
    await page.getByRole("status").filter({ hasText: "The need is now: Open for donations." }).waitFor();
    await screenshot(page, "need-published");
  });

  it("shows it on the home page and in the API with the goal as the sum of its items", async () => {
    await page.goto("/");
    const card = page.getByRole("link", { name: "Refrigerator for the shelter" }).and(page.locator(`[href="/needs/${NEED_SLUG}"]`));
    await card.waitFor();
    await screenshot(page, "home");
    const api = await page.request.get(`/api/needs/${NEED_SLUG}`);
    expect(api.status()).toBe(200);
    const body = await api.json();
    expect(body.goal).toBe(78_000 + 6_000 + 10 * 800);
    expect(body.goal).toBe(92_000);
    expect(body.items.map((i: { unitCost: number; quantity: number }) => [i.quantity, i.unitCost])).toEqual([
      [1, 78_000],
      [1, 6_000],
      [10, 800],
    ]);
    expect(body.status).toBe("live");
  });

  it("reads the need page in Japanese after switching with the visible switch", async () => {
    await page.goto(`/needs/${NEED_SLUG}`);
    await screenshot(page, "need-page-en");
    await page.getByRole("button", { name: "日本語" }).click();
    await page.waitForFunction(() => document.documentElement.lang === "ja");
    expect(page.url()).toBe(`${server.url}/needs/${NEED_SLUG}`);
    expect(await page.getByRole("heading", { level: 2, name: "購入するもの" }).count()).toBe(1);
    expect(await page.getByRole("heading", { level: 2, name: "寄付する" }).count()).toBe(1);
    expect(await page.locator(".need-progress .raised").textContent()).toContain("目標 ￥92,000 のうち ￥0");
    expect(await page.locator(".goal").textContent()).toBe("目標: ￥92,000");
    expect(await page.locator("#share-url").inputValue()).toBe(`${server.url}/needs/${NEED_SLUG}`);
    const text = await page.locator("main").innerText();
    expect(text).not.toContain("\u0000");
    expect(text).not.toContain("\uFFFD");
    await screenshot(page, "need-page-ja");
  });

  it("copies the link with JavaScript, and says so", async () => {
    await organiser.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
    await page.getByRole("button", { name: "リンクをコピー" }).click();
    await page.getByText("リンクをコピーしました。").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${server.url}/needs/${NEED_SLUG}`);
    await screenshot(page, "need-page-ja-copied");
  });
});

/** The public need page's "¥X raised of ¥Y", read fresh. */
async function raised(tab: Page): Promise<string> {
  await tab.goto(`/needs/${NEED_SLUG}`);
  return (await tab.locator(".need-progress .raised strong").textContent()) ?? "";
}

describe("a backer, a dated update and a refund", () => {
  it("has a backer: a donor gives ¥5,000 through the demo checkout and asks for updates", async () => {
    const donor = await browser.newContext({ baseURL: server.url, locale: "en-GB" });
    const tab = await donor.newPage();
    tab.setDefaultTimeout(15_000);
    await tab.goto(`/needs/${NEED_SLUG}`);
    await tab.getByLabel("¥5,000").check();
    await tab.getByLabel("Your name").fill("Mika");
    await tab.getByLabel("Show my name publicly").check();
    await tab.getByLabel("Email", { exact: true }).fill(BACKER);
    await tab.getByLabel("Email me updates about this need").check();
    await screenshot(tab, "backer-donate-form");
    await tab.getByRole("button", { name: "Continue to payment" }).click();
    await tab.getByRole("heading", { level: 1, name: "Demo checkout — no real money" }).waitFor();
    await screenshot(tab, "backer-demo-checkout");
    await tab.getByRole("button", { name: "Pay ¥5,000" }).click();
    await tab.getByRole("heading", { level: 1, name: "Thank you for your gift" }).waitFor();
    expect(tab.url()).toContain(`/needs/${NEED_SLUG}/thanks?session_id=`);
    await screenshot(tab, "backer-thank-you");
    expect(await raised(tab)).toBe("¥5,000 raised of ¥92,000");
    await screenshot(tab, "need-with-backer");
    await donor.close();
  });

  it("lets the organiser post a dated update about the need", async () => {
    // Back to English with the visible switch (the previous step left the organiser in Japanese).
    await page.goto(`/dashboard/${ORG_SLUG}/needs/${NEED_SLUG}`);
    await page.getByRole("button", { name: "English" }).click();
    await page.waitForFunction(() => document.documentElement.lang === "en");
    await page.getByRole("link", { name: "Post an update about this need" }).click();
    await page.waitForURL(`**/dashboard/${ORG_SLUG}/updates/new?need=${NEED_SLUG}`);
    await page.getByRole("heading", { level: 1, name: "Post an update" }).waitFor();
    expect(await page.locator("#need option:checked").textContent()).toContain("Refrigerator for the shelter");
    await page.getByLabel("Title").fill(UPDATE_TITLE);
    await page.getByLabel("Date it happened").fill(EVENT_DATE);
    await page.getByLabel("What happened").fill("Thanks to our first backers the **refrigerator** is ordered; it arrives next week.");
    await screenshot(page, "update-form");
    await page.getByRole("button", { name: "Save and preview" }).click();
    await page.waitForURL("**/preview");
    await page.getByRole("heading", { name: UPDATE_TITLE }).first().waitFor();
    await screenshot(page, "update-preview");
    await page.getByLabel("Nobody is named, shown or located, and anyone whose story this tells agreed to it").check();
    await page.getByRole("button", { name: "Publish and email backers" }).click();
    await page.waitForURL(/\/updates\/\d+\?notice=published$/);
    await page.getByText("Published. The emails to backers and followers are on their way.").waitFor();
    updatePath = new URL(page.url()).pathname;
    await screenshot(page, "update-published");

    await page.goto(`/needs/${NEED_SLUG}`);
    const update = page.locator(".timeline-update", { hasText: UPDATE_TITLE });
    expect(await update.locator(`time[datetime="${EVENT_DATE}"]`).count()).toBe(1);
    await screenshot(page, "need-timeline-with-update");
  });

  it("emails the backer, and only the backer, through the local mailbox", async () => {
    const rows = page.locator("tr").filter({ hasText: UPDATE_TITLE });
    await expect
      .poll(
        async () => {
          await page.goto("/dev/mail");
          return rows.count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    expect(await rows.locator("td").first().textContent()).toBe(BACKER);
    await screenshot(page, "update-email-in-mailbox");
    await rows.getByRole("link").click();
    await page.getByText("it arrives next week").first().waitFor();
    await screenshot(page, "update-email");
  });

  it("refunds part of the gift from Dashboard → Donations, and the public total goes down by exactly that", async () => {
    await page.goto(`/dashboard/${ORG_SLUG}`);
    await page.getByRole("navigation", { name: "Organisation" }).getByRole("link", { name: "Donations" }).click();
    await page.waitForURL(`**/dashboard/${ORG_SLUG}/donations`);
    await page.getByRole("heading", { level: 1, name: "Donations" }).waitFor();
    await screenshot(page, "dashboard-donations");
    const row = page.locator("tr", { hasText: "Mika" });
    expect(await row.locator(".donation-status").textContent()).toBe("Succeeded");
    await row.getByRole("link", { name: /^View donation #\d+$/ }).click();
    await page.waitForURL(/\/donations\/\d+$/);
    await page.getByRole("heading", { level: 1, name: /^Donation #\d+$/ }).waitFor();
    donationPath = new URL(page.url()).pathname;
    expect(await page.locator('[data-field="counted"]').textContent()).toBe("¥5,000");
    // The form offers the whole gift; a partial refund is a smaller amount typed over it.
    const amount = page.getByLabel("Amount to refund");
    expect(await amount.inputValue()).toBe("5000");
    await amount.fill("1,200");
    await screenshot(page, "refund-form");
    await page.getByRole("button", { name: "Refund", exact: true }).click();
    await page.waitForURL(`**${donationPath}?notice=refunded`);
    await page.getByText("Refunded. The need’s total has been updated.").waitFor();
    expect(await page.locator('[data-field="refunded"]').textContent()).toBe("¥1,200");
    expect(await page.locator('[data-field="counted"]').textContent()).toBe("¥3,800");
    await screenshot(page, "refund-done");

    expect(await raised(page)).toBe("¥3,800 raised of ¥92,000");
    expect((await (await page.request.get(`/api/needs/${NEED_SLUG}`)).json()).raised).toBe(5_000 - 1_200);
    await screenshot(page, "need-after-refund");
  });
});

describe("accessibility (axe) in both languages", () => {
  const publicPages = ["/", `/orgs/${ORG_SLUG}`, "/orgs/hinata-letters-and-homework", `/needs/${NEED_SLUG}`, "/needs/refrigerator-for-the-shelter", "/?q=fridge&sort=nearly_funded"];
  // A function: the donation's and the update's addresses are known only once the steps above ran.
  const dashboardPages = () => [
    "/dashboard",
    `/dashboard/${ORG_SLUG}`,
    `/dashboard/${ORG_SLUG}/needs/new`,
    `/dashboard/${ORG_SLUG}/needs/${NEED_SLUG}`,
    `/dashboard/${ORG_SLUG}/needs/${NEED_SLUG}/preview`,
    `/dashboard/${ORG_SLUG}/payments`,
    `/dashboard/${ORG_SLUG}/donations`,
    donationPath,
    `/dashboard/${ORG_SLUG}/updates`,
    `/dashboard/${ORG_SLUG}/updates/new`,
    updatePath,
  ];
  const loggedOutPages = ["/login", "/signup"];

  async function check(context: BrowserContext, paths: string[], locale: "en" | "ja") {
    await setLanguage(context, server.url, locale);
    const tab = await context.newPage();
    const problems: string[] = [];
    for (const path of paths) {
      expect(path, "a step above did not run").not.toBe("");
      const response = await tab.goto(path);
      expect(response?.status(), path).toBe(200);
      expect(await tab.evaluate(() => document.documentElement.lang)).toBe(locale);
      problems.push(...(await axeViolations(tab)).map((v) => `${locale} ${path}: ${v}`));
      await screenshot(tab, `axe-${locale}-${path.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "") || "home"}`);
    }
    await tab.close();
    return problems;
  }

  it("reports violations when there are some (the check itself can fail)", async () => {
    const context = await browser.newContext(); // axe's Playwright integration needs a context of our own
    const tab = await context.newPage();
    await tab.setContent('<!doctype html><html><head><title>x</title></head><body><main><input type="text"></main></body></html>');
    const violations = await axeViolations(tab);
    expect(violations.some((v) => v.startsWith("html-has-lang"))).toBe(true);
    expect(violations.some((v) => v.startsWith("label"))).toBe(true);
    await context.close();
  });

  it.each(["en", "ja"] as const)("finds no violations on public, account and dashboard pages in %s", async (locale) => {
    const visitor = await browser.newContext({ baseURL: server.url });
    const problems = [...(await check(visitor, [...publicPages, ...loggedOutPages], locale)), ...(await check(organiser, dashboardPages(), locale))];
    await visitor.close();
    expect(problems).toEqual([]);
  });

  it("shows a form's errors next to its fields, and axe accepts that page too", async () => {
    const tab = await organiser.newPage();
    await setLanguage(organiser, server.url, "en");
    await tab.goto(`/dashboard/${ORG_SLUG}/needs/new`);
    await tab.locator("#title").fill("Bus fares");
    await tab.locator("#summary").fill("Fares for visits.");
    await tab.locator("#surplusPolicy").fill("More visits.");
    await tab.locator("#item0-name").fill("Return bus fare");
    await tab.locator("#item0-quantity").fill("20");
    await tab.locator("#item0-unitCost").fill("920.5");
    // Enter submits as "Save draft" (the form's hidden first button), not "Add another item".
    await tab.locator("#item0-unitCost").press("Enter");
    await tab.locator("#item0-unitCost-error").waitFor();
    expect(await tab.locator("#item3-name").count()).toBe(0);
    expect(await tab.locator("#item0-unitCost-error").innerText()).toContain("JPY amounts have no decimal places");
    expect(await tab.locator("#item0-unitCost").inputValue()).toBe("920.5");
    await screenshot(tab, "new-need-error");
    expect(await axeViolations(tab)).toEqual([]);
    await tab.close();
  });
});
