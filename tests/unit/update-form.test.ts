import { describe, expect, it } from "vitest";
import { latestEventDate, parseUpdateForm, type UpdateFormOptions } from "~/forms/update.server";
import { translator } from "~/locales";

const TODAY = "2026-03-20";
const options = (extra: Partial<UpdateFormOptions> = {}): UpdateFormOptions => ({
  locale: "en",
  today: TODAY,
  needs: [
    { id: 7, status: "funded" },
    { id: 8, status: "live" },
    { id: 9, status: "purchased" },
  ],
  requireConsent: false,
  ...extra,
});
const fields = (extra: Record<string, string> = {}) => ({
  need: "7",
  title: "  The fridge was bought  ",
  eventDate: "2026-03-18",
  body: "Bought at the shop in Juso.",
  lifecycleStep: "",
  spendNote: "",
  ...extra,
});
const errorsOf = (input: Record<string, string>, extra: Partial<UpdateFormOptions> = {}) => {
  const parsed = parseUpdateForm(input, options(extra));
  return parsed.ok ? {} : Object.fromEntries(Object.entries(parsed.errors).map(([field, error]) => [field, translator(extra.locale ?? "en")(error!.key, error!.vars)]));
};

describe("the update form", () => {
  it("reads a need update, trimming text", () => {
    expect(parseUpdateForm(fields(), options())).toEqual({
      ok: true,
      data: {
        needId: 7,
        title: "The fridge was bought",
        body: "Bought at the shop in Juso.",
        eventDate: "2026-03-18",
        lifecycleStep: null,
        spendNote: "",
        consentConfirmed: false,
      },
    });
  });

  it("reads an organisation-wide update and the consent box", () => {
    const parsed = parseUpdateForm(fields({ need: "organisation", consent: "yes" }), options({ requireConsent: true }));
    expect(parsed).toMatchObject({ ok: true, data: { needId: null, consentConfirmed: true } });
  });

  it.each([
    ["2026-02-30", "Enter a real date as year-month-day, like 2026-01-25."],
    ["25/01/2026", "Enter a real date as year-month-day, like 2026-01-25."],
    ["yesterday", "Enter a real date as year-month-day, like 2026-01-25."],
    ["", "Enter the date it happened."],
    ["2026-03-22", "The date cannot be in the future: enter the day it happened."],
    ["9999-12-31", "The date cannot be in the future: enter the day it happened."],
    ["1999-12-31", "Enter a date in 2000 or later."],
  ])("refuses the event date %j", (eventDate, message) => {
    expect(errorsOf(fields({ eventDate }))).toEqual({ eventDate: message });
  });

  it("accepts past dates, today, tomorrow (Japan is ahead of UTC) and full-width digits", () => {
    for (const eventDate of ["2000-01-01", "2025-06-30", TODAY, "2026-03-21", "２０２６-０３-１８"]) {
      expect(parseUpdateForm(fields({ eventDate }), options()).ok).toBe(true);
    }
    expect(latestEventDate("2026-12-31")).toBe("2027-01-01");
  });

  it("says what is wrong in Japanese too", () => {
    expect(errorsOf(fields({ eventDate: "2030-01-01", title: "" }), { locale: "ja" })).toEqual({
      eventDate: "未来の日付は入力できません。出来事があった日を入力してください。",
      title: "タイトルを入力してください。",
    });
  });

  it("requires a choice of need, a title and a body, within their lengths", () => {
    expect(errorsOf(fields({ need: "", title: " ", body: "" }))).toEqual({
      need: "Choose a need, or the whole organisation.",
      title: "Enter a title.",
      body: "Write what happened.",
    });
    expect(errorsOf(fields({ need: "12" })).need).toMatch(/^Choose one of your organisation's/);
    expect(errorsOf(fields({ need: "7 OR 1=1" })).need).toMatch(/^Choose one of your organisation's/);
    expect(errorsOf(fields({ title: "x".repeat(141) }))).toEqual({ title: "Use at most 140 characters." });
    // 140 emoji are 280 UTF-16 units but 140 characters, as PostgreSQL counts them.
    expect(parseUpdateForm(fields({ title: "🍙".repeat(140) }), options()).ok).toBe(true);
    expect(errorsOf(fields({ body: "x".repeat(20_001) }))).toEqual({ body: "Use at most 20,000 characters." });
  });

  it("offers a lifecycle step only for a need whose status can move there", () => {
    expect(parseUpdateForm(fields({ lifecycleStep: "purchased" }), options())).toMatchObject({ ok: true, data: { lifecycleStep: "purchased" } });
    expect(parseUpdateForm(fields({ need: "9", lifecycleStep: "delivered" }), options())).toMatchObject({ ok: true, data: { lifecycleStep: "delivered" } });
    expect(errorsOf(fields({ need: "8", lifecycleStep: "purchased" }))).toEqual({
      lifecycleStep: "This need is “Open for donations”: it cannot move to “Purchased” now.",
    });
    expect(errorsOf(fields({ lifecycleStep: "closed" }))).toEqual({ lifecycleStep: "This need is “Fully funded”: it cannot move to “Completed” now." });
    expect(errorsOf(fields({ need: "organisation", lifecycleStep: "purchased" }))).toEqual({
      lifecycleStep: "A lifecycle step belongs to a need: choose the need, or no change.",
    });
    expect(errorsOf(fields({ lifecycleStep: "funded" }))).toEqual({ lifecycleStep: "Choose purchased, delivered, completed or no change." });
  });

  it("takes a spend note only with purchased or delivered, up to 500 characters", () => {
    expect(parseUpdateForm(fields({ lifecycleStep: "purchased", spendNote: " Bought for ¥76,800. " }), options())).toMatchObject({
      ok: true,
      data: { spendNote: "Bought for ¥76,800." },
    });
    expect(errorsOf(fields({ spendNote: "Bought for ¥76,800." })).spendNote).toMatch(/^A spend note goes with the purchased or delivered step/);
    expect(errorsOf(fields({ lifecycleStep: "purchased", spendNote: "x".repeat(501) }))).toEqual({ spendNote: "Use at most 500 characters." });
  });

  it("requires the consent box to publish, not to save a draft", () => {
    expect(parseUpdateForm(fields(), options()).ok).toBe(true);
    expect(errorsOf(fields(), { requireConsent: true })).toEqual({
      consent: "Confirm that nobody is named, shown or located, and that anyone whose story this tells agreed to it.",
    });
    expect(errorsOf(fields({ consent: "on" }), { requireConsent: true })).toHaveProperty("consent");
    expect(parseUpdateForm(fields({ consent: "yes" }), options({ requireConsent: true })).ok).toBe(true);
  });

  it("keeps the need and step of a published update, whatever the form says", () => {
    const parsed = parseUpdateForm(fields({ need: "8", lifecycleStep: "closed", consent: "yes" }), options({ requireConsent: true, fixed: { needId: 9, lifecycleStep: "delivered" } }));
    expect(parsed).toMatchObject({ ok: true, data: { needId: 9, lifecycleStep: "delivered" } });
  });
});
