import { describe, expect, it } from "vitest";
import { amountInputValue } from "~/components/NeedFormFields";
import { parseDetails, parseItem, parseItemRows, slugFromTitle } from "~/forms/needs.server";
import { translator } from "~/locales";
import { needsEn, needsJa } from "~/locales/needs";
import { en } from "~/locales/en";
import { accountsEn } from "~/locales/accounts";
import { containsPattern } from "~/models/needs.server";
import { parseAmount } from "~/money";

const item = (unitCost: string, currency: "JPY" | "USD" = "JPY", extra: Record<string, string> = {}) =>
  parseItem({ "p-name": "Fridge", "p-quantity": "1", "p-unitCost": unitCost, ...extra }, "p-", currency, "en");

describe("item form: money input", () => {
  it.each([
    ["78,000", "JPY", 78_000],
    ["１０００", "JPY", 1_000],
    ["1,000", "JPY", 1_000],
    [" 800 ", "JPY", 800],
    ["12.50", "USD", 1_250],
    ["12.5", "USD", 1_250],
    ["1,234.56", "USD", 123_456],
  ] as const)("accepts %j in %s as %i minor units", (typed, currency, minor) => {
    expect(item(typed, currency)).toEqual({ ok: true, data: { name: "Fridge", description: "", quantity: 1, unitCost: minor } });
  });

  it.each([
    ["1000.5", "JPY", "needs.error.amount.wholeNumber"],
    ["12.345", "USD", "needs.error.amount.tooPrecise"],
    ["-5", "JPY", "needs.error.amount.negative"],
    ["0", "JPY", "needs.error.amount.zero"],
    ["0.00", "USD", "needs.error.amount.zero"],
    ["1e3", "JPY", "needs.error.amount.invalid"],
    ["12345678901234567890", "JPY", "needs.error.amount.tooLarge"],
    ["", "JPY", "needs.error.amount.empty"],
    ["abc", "USD", "needs.error.amount.invalid"],
  ] as const)("refuses %j in %s with %s", (typed, currency, key) => {
    const result = item(typed, currency);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors["p-unitCost"]?.key).toBe(key);
  });

  it("explains each refusal in words a person can act on, in both languages", () => {
    const result = item("1000.5");
    if (result.ok) throw new Error("expected a refusal");
    const error = result.errors["p-unitCost"]!;
    expect(translator("en")(error.key, error.vars)).toBe("JPY amounts have no decimal places: enter a whole number, like 78,000.");
    expect(translator("ja")(error.key, error.vars)).toBe("JPY の金額に小数は使えません。整数で入力してください（例：78,000）。");
    const large = item("100,000,000");
    if (large.ok) throw new Error("expected a refusal");
    expect(translator("en")(large.errors["p-unitCost"]!.key, large.errors["p-unitCost"]!.vars)).toContain("¥99,999,999");
  });

  it("refuses quantities that are not whole numbers from 1 to 100,000", () => {
    for (const quantity of ["0", "-1", "1.5", "100001", "ten", ""]) {
      const result = item("800", "JPY", { "p-quantity": quantity });
      expect(result.ok, quantity).toBe(false);
    }
    expect(item("800", "JPY", { "p-quantity": "１０" })).toMatchObject({ ok: true, data: { quantity: 10 } });
  });

  it("shows saved amounts as they would be typed again, and they parse back to the same value", () => {
    for (const [minor, currency, text] of [
      [78_000, "JPY", "78,000"],
      [1_250, "USD", "12.50"],
      [99_999_999, "USD", "999,999.99"],
    ] as const) {
      expect(amountInputValue(minor, currency)).toBe(text);
      expect(parseAmount(text, currency)).toEqual({ ok: true, minor });
    }
  });
});

describe("new need form", () => {
  const details = { title: "Refrigerator", summary: "No fridge.", surplusPolicy: "Food fund.", currency: "JPY" };

  it("skips blank rows and validates the others", () => {
    const fields = { "item0-name": "Fridge", "item0-quantity": "1", "item0-unitCost": "78,000", "item2-name": "Cups" };
    const result = parseItemRows(fields, 3, "JPY", "en");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(Object.keys(result.errors).sort()).toEqual(["item2-quantity", "item2-unitCost"]);
    expect(parseItemRows({ "item1-name": "Fridge", "item1-quantity": "1", "item1-unitCost": "78,000" }, 3, "JPY", "en")).toMatchObject({
      ok: true,
      data: [{ name: "Fridge", unitCost: 78_000 }],
    });
  });

  it("refuses past deadlines, impossible dates, bad slugs and unknown currencies", () => {
    const check = (extra: Record<string, string>) => parseDetails({ ...details, ...extra }, { today: "2026-11-22" });
    expect(check({ deadline: "2026-11-21" })).toMatchObject({ ok: false, errors: { deadline: { key: "needs.error.deadline.past" } } });
    expect(check({ deadline: "2026-02-30" })).toMatchObject({ ok: false, errors: { deadline: { key: "needs.error.deadline" } } });
    expect(check({ slug: "Not OK" })).toMatchObject({ ok: false, errors: { slug: { key: "needs.error.slug" } } });
    expect(check({ slug: "new" })).toMatchObject({ ok: false, errors: { slug: { key: "needs.error.slugReserved" } } });
    expect(check({ currency: "XYZ" })).toMatchObject({ ok: false, errors: { currency: { key: "needs.error.currency" } } });
    expect(check({ deadline: "2026-11-22", slug: "Fridge-2" })).toMatchObject({ ok: true, data: { deadline: "2026-11-22", slug: "fridge-2" } });
    // An already-saved deadline that has passed may stay while other fields are edited.
    expect(parseDetails({ ...details, deadline: "2026-01-01" }, { today: "2026-11-22", currentDeadline: "2026-01-01" }).ok).toBe(true);
  });

  it("makes web addresses from ASCII titles only", () => {
    expect(slugFromTitle("Refrigerator for the shelter!")).toBe("refrigerator-for-the-shelter");
    expect(slugFromTitle("春学期の日本語ドリル")).toBe("");
  });
});

describe("search patterns", () => {
  it("escape the LIKE wildcards and the escape character", () => {
    expect(containsPattern("100%")).toBe("%100\\%%");
    expect(containsPattern("a_b")).toBe("%a\\_b%");
    expect(containsPattern("c:\\x")).toBe("%c:\\\\x%");
  });
});

describe("needs dictionary", () => {
  it("has Japanese for every English string, with the same placeholders", () => {
    expect(Object.keys(needsJa).sort()).toEqual(Object.keys(needsEn).sort());
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(needsEn) as (keyof typeof needsEn)[]) {
      expect(needsJa[key].trim(), key).not.toBe("");
      expect(placeholders(needsJa[key]), key).toEqual(placeholders(needsEn[key]));
    }
  });

  it("shares no key with the other dictionaries, so merging cannot override one", () => {
    const others = new Set([...Object.keys(en), ...Object.keys(accountsEn)]);
    expect(Object.keys(needsEn).filter((key) => others.has(key))).toEqual([]);
  });
});
