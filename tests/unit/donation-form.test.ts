import { describe, expect, it } from "vitest";
import { applicationFee, feeCover } from "~/fees";
import { honeypotFilled, keepDonationValues, parseDonationForm, type DonationFormContext } from "~/forms/donation.server";
import { translator } from "~/locales";

const TOKEN = "tok_0123456789abcdefghij";
const JPY: DonationFormContext = { currency: "JPY", locale: "en", itemIds: [11, 12], platformFeeBps: 0 };
const USD: DonationFormContext = { ...JPY, currency: "USD" };

const form = (fields: Record<string, string> = {}) => ({
  token: TOKEN,
  amount: "3000",
  customAmount: "",
  email: "donor@example.org",
  donorName: "",
  display: "anonymous",
  message: "",
  ...fields,
});

function refused(fields: Record<string, string>, context = JPY) {
  const result = parseDonationForm(form(fields), context);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.data)}`);
  return result;
}

function accepted(fields: Record<string, string>, context = JPY) {
  const result = parseDonationForm(form(fields), context);
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result)}`);
  return result.data;
}

describe("the donate form's parser", () => {
  it("turns a preset into integer minor units", () => {
    expect(accepted({ amount: "3000" })).toMatchObject({ amount: 3_000, feeCover: 0, applicationFee: 0, itemId: null, showName: false, token: TOKEN });
    expect(accepted({ amount: "25.00" }, USD).amount).toBe(2_500);
  });

  it.each([
    ["1,000", 1_000],
    ["１，０００", 1_000],
    [" 500 ", 500],
    ["¥50", 50],
  ])("accepts the typed JPY amount %j as %i", (typed, minor) => {
    expect(accepted({ amount: "custom", customAmount: typed }).amount).toBe(minor);
    // A typed amount with no preset picked (no JavaScript to pick it) is that amount too.
    expect(accepted({ amount: "", customAmount: typed }).amount).toBe(minor);
  });

  it("reads $12.50 as 1250 cents", () => {
    expect(accepted({ amount: "custom", customAmount: "12.50" }, USD).amount).toBe(1_250);
  });

  it.each([
    ["", "donate.error.amount.empty"],
    ["abc", "donate.error.amount.invalid"],
    ["-100", "donate.error.amount.negative"],
    ["0", "donate.error.amount.zero"],
    ["12.5", "donate.error.amount.wholeNumber"],
    ["1e5", "donate.error.amount.invalid"],
    ["49", "donate.error.amount.tooSmall"],
    ["999999999999", "donate.error.amount.tooLarge"],
  ])("refuses the JPY amount %j with %s next to the amount field", (typed, key) => {
    const result = refused({ amount: "custom", customAmount: typed });
    expect(result.errors.customAmount?.key).toBe(key);
  });

  it("says the limits in money a person reads, in their language", () => {
    const small = refused({ amount: "custom", customAmount: "49" }).errors.customAmount!;
    expect(translator("en")(small.key, small.vars)).toBe("The smallest gift we can take is ¥50.");
    const large = parseDonationForm(form({ amount: "custom", customAmount: "999999999999" }), { ...JPY, locale: "ja" });
    expect(large.ok).toBe(false);
    const error = !large.ok ? large.errors.customAmount! : undefined;
    expect(translator("ja")(error!.key, error!.vars)).toBe("一度にお受けできる金額は ￥99,999,999 までです。");
    const usd = refused({ amount: "custom", customAmount: "12.345" }, USD).errors.customAmount!;
    expect(translator("en")(usd.key, usd.vars)).toBe("Use at most 2 digits after the decimal point, like 25.00.");
  });

  it("refuses a preset and a typed amount together rather than guess", () => {
    expect(refused({ amount: "3000", customAmount: "5000" }).errors.customAmount?.key).toBe("donate.error.amount.ambiguous");
  });

  it("computes the fee cover itself (nothing from the browser is trusted)", () => {
    const data = accepted({ amount: "3000", coverFee: "1", feeCover: "1" });
    expect(data.feeCover).toBe(feeCover(3_000, "JPY"));
    expect(data.feeCover).toBe(113);
  });

  it("covers an organisation's platform fee too", () => {
    const data = accepted({ amount: "10000", coverFee: "1" }, { ...JPY, platformFeeBps: 200 });
    expect(data.applicationFee).toBe(applicationFee(10_000, 200));
    expect(data.feeCover).toBe(feeCover(10_000, "JPY", { applicationFee: 200 }));
  });

  it("refuses a fee cover that takes the total over the maximum", () => {
    expect(accepted({ amount: "custom", customAmount: "99,999,999" }).amount).toBe(99_999_999);
    expect(refused({ amount: "custom", customAmount: "99,999,999", coverFee: "1" }).errors.coverFee?.key).toBe("donate.error.amount.totalTooLarge");
  });

  it("accepts only the need's own items", () => {
    expect(accepted({ item: "12" }).itemId).toBe(12);
    expect(accepted({ item: "" }).itemId).toBeNull();
    expect(refused({ item: "13" }).errors.item?.key).toBe("donate.error.item");
    expect(refused({ item: "12abc" }).errors.item?.key).toBe("donate.error.item");
  });

  it("needs a name to show publicly, and keeps the private choice by default", () => {
    expect(refused({ display: "public", donorName: "  " }).errors.donorName?.key).toBe("donate.error.name.required");
    expect(accepted({ display: "public", donorName: " Aiko  Tanaka " })).toMatchObject({ donorName: "Aiko Tanaka", showName: true });
    expect(accepted({ display: "", donorName: "Aiko" }).showName).toBe(false);
    expect(refused({ display: "everyone" }).errors.display?.key).toBe("donate.error.display");
  });

  it("limits the message and checks the email", () => {
    expect(accepted({ message: "a".repeat(500) }).message).toHaveLength(500);
    expect(refused({ message: "a".repeat(501) }).errors.message?.key).toBe("donate.error.message.tooLong");
    expect(refused({ email: "" }).errors.email?.key).toBe("donate.error.email.required");
    expect(refused({ email: "not-an-address" }).errors.email?.key).toBe("donate.error.email.invalid");
    expect(refused({ email: "a@example.org\r\nBcc: x@example.org" }).errors.email?.key).toBe("donate.error.email.invalid");
  });

  it("reports every problem at once", () => {
    const result = refused({ amount: "custom", customAmount: "abc", email: "", item: "99" });
    expect(Object.keys(result.errors).sort()).toEqual(["customAmount", "email", "item"]);
  });

  it("refuses a form without its one-time token", () => {
    const result = refused({ token: "" });
    expect(result.errors).toEqual({});
    expect(result.formError?.key).toBe("donate.error.form.token");
  });

  it("spots the honeypot and never shows it again", () => {
    expect(honeypotFilled(form())).toBe(false);
    expect(honeypotFilled(form({ website: "http://spam.example" }))).toBe(true);
    expect(keepDonationValues(form({ website: "http://spam.example", email: "a@example.org" }))).not.toHaveProperty("website");
  });
});
