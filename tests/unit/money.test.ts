import { describe, expect, it } from "vitest";
import { formatMoney, parseAmount, percentOf, toDecimalString, type AmountError, type Currency } from "~/money";

describe("parseAmount", () => {
  const accepted: [string, Currency, number][] = [
    ["1000", "JPY", 1000],
    ["1,000", "JPY", 1000],
    ["78,000", "JPY", 78000],
    ["１０００", "JPY", 1000],
    ["１，０００", "JPY", 1000],
    ["  3,000 ", "JPY", 3000],
    ["¥500", "JPY", 500],
    ["￥500", "JPY", 500],
    ["1000.0", "JPY", 1000],
    ["12.50", "USD", 1250],
    ["12.5", "USD", 1250],
    ["$12.50", "USD", 1250],
    ["0.50", "USD", 50],
    ["1,234.56", "USD", 123456],
    ["007", "JPY", 7],
    ["99,999,999", "JPY", 99_999_999],
  ];
  it.each(accepted)("accepts %j in %s as %d minor units", (input, currency, minor) => {
    expect(parseAmount(input, currency)).toEqual({ ok: true, minor });
  });

  const refused: [string, Currency, AmountError][] = [
    ["", "JPY", "empty"],
    ["   ", "JPY", "empty"],
    ["1000.5", "JPY", "too_precise"],
    ["12.345", "USD", "too_precise"],
    ["-500", "JPY", "negative"],
    ["−500", "JPY", "negative"],
    ["0", "JPY", "zero"],
    ["0.00", "USD", "zero"],
    ["1e3", "JPY", "invalid"],
    ["12,34", "JPY", "invalid"],
    ["1,0000", "JPY", "invalid"],
    ["abc", "JPY", "invalid"],
    ["Infinity", "JPY", "invalid"],
    ["0x10", "JPY", "invalid"],
    ["12.", "USD", "invalid"],
    [".5", "USD", "invalid"],
    ["12345678901234567890", "JPY", "too_large"],
    ["100,000,000", "JPY", "too_large"],
    ["1000000.00", "USD", "too_large"],
  ];
  it.each(refused)("refuses %j in %s as %s", (input, currency, error) => {
    expect(parseAmount(input, currency)).toEqual({ ok: false, error });
  });

  it("honours a smaller maximum", () => {
    expect(parseAmount("5,001", "JPY", 5000)).toEqual({ ok: false, error: "too_large" });
    expect(parseAmount("5,000", "JPY", 5000)).toEqual({ ok: true, minor: 5000 });
  });
});

describe("formatMoney", () => {
  it("formats zero-decimal yen without multiplying", () => {
    expect(formatMoney(500, "JPY", "en")).toBe("¥500");
    expect(formatMoney(78000, "JPY", "ja")).toBe("￥78,000");
  });
  it("formats two-decimal currencies from minor units", () => {
    expect(formatMoney(1250, "USD", "en")).toBe("$12.50");
    expect(formatMoney(5, "USD", "en")).toBe("$0.05");
    expect(formatMoney(123456789, "USD", "en")).toBe("$1,234,567.89");
  });
  it("refuses non-integer minor units", () => {
    expect(() => formatMoney(12.5, "USD", "en")).toThrow(RangeError);
  });
  it("writes exact decimal strings", () => {
    expect(toDecimalString(1250, "USD")).toBe("12.50");
    expect(toDecimalString(7, "USD")).toBe("0.07");
    expect(toDecimalString(-1250, "USD")).toBe("-12.50");
    expect(toDecimalString(500, "JPY")).toBe("500");
  });
});

describe("percentOf", () => {
  it("floors and caps", () => {
    expect(percentOf(46_000, 92_000)).toBe(50);
    expect(percentOf(91_999, 92_000)).toBe(99);
    expect(percentOf(200, 100)).toBe(100);
    expect(percentOf(5, 0)).toBe(0);
  });
});
