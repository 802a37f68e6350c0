import { describe, expect, it } from "vitest";
import { applicationFee, feeCover, processingFee, PROCESSING_FEES } from "~/fees";
import { CURRENCIES, CURRENCY_CODES } from "~/money";
import { platformFeeBps } from "~/payments/checkout.server";

describe("processing fees", () => {
  it("has a rate for every currency we take, in whole basis points and minor units", () => {
    for (const code of CURRENCY_CODES) {
      const rate = PROCESSING_FEES[code];
      expect(Number.isInteger(rate.bps) && rate.bps > 0 && rate.bps < 1000).toBe(true);
      expect(Number.isInteger(rate.fixed) && rate.fixed >= 0).toBe(true);
    }
    // Stripe Japan's standard domestic card rate: a percentage, no fixed part.
    expect(PROCESSING_FEES.JPY).toEqual({ bps: 360, fixed: 0 });
  });

  it("rounds Stripe's fee up to a whole minor unit", () => {
    expect(processingFee(1_000, "JPY")).toBe(36); // 3.6% of ¥1,000 is exactly ¥36
    expect(processingFee(1_038, "JPY")).toBe(38); // ¥37.368 → ¥38
    expect(processingFee(1_319, "USD")).toBe(39 + 30); // $0.38251 → 39¢, plus 30¢
  });

  it("grosses up: the fee is taken from the whole charge, so covering it costs more than the fee of the gift", () => {
    // ¥1,000 + ¥38 = ¥1,038; Stripe keeps ¥38 of it; ¥1,000 is left.
    expect(feeCover(1_000, "JPY")).toBe(38);
    expect(feeCover(500, "JPY")).toBe(19);
    expect(feeCover(1_250, "USD")).toBe(69);
  });

  it.each(CURRENCY_CODES)("%s: the organisation nets at least the gift, and never a whole unit more than it must", (code) => {
    const { stripeMinimum } = CURRENCIES[code];
    const amounts = [stripeMinimum, stripeMinimum + 1, 99, 100, 101, 999, 1_000, 1_001, 2_500, 3_000, 12_345, 78_000, 92_000, 1_000_000, 9_999_999, 50_000_000];
    for (const amount of amounts) {
      for (const bps of [0, 100, 250]) {
        const appFee = applicationFee(amount, bps);
        const cover = feeCover(amount, code, { applicationFee: appFee });
        expect(Number.isSafeInteger(cover) && cover > 0).toBe(true);
        const total = amount + cover;
        expect(total - processingFee(total, code) - appFee).toBeGreaterThanOrEqual(amount);
        // Minimal: one unit less would leave the organisation short.
        expect(total - 1 - processingFee(total - 1, code) - appFee).toBeLessThan(amount);
      }
    }
  });

  it("takes the application fee as basis points of the gift, rounded down", () => {
    expect(applicationFee(10_000, 0)).toBe(0);
    expect(applicationFee(10_000, 250)).toBe(250);
    expect(applicationFee(999, 100)).toBe(9);
  });

  it("refuses amounts that are not integer minor units", () => {
    expect(() => feeCover(12.5, "USD")).toThrow(RangeError);
    expect(() => feeCover(-1, "JPY")).toThrow(RangeError);
    expect(() => processingFee(Number.MAX_SAFE_INTEGER + 2, "JPY")).toThrow(RangeError);
    expect(() => applicationFee(1_000, 10_001)).toThrow(RangeError);
  });
});

describe("the platform fee an organisation pays", () => {
  it("is its own rate when it has one, 0 included, else the platform's default", () => {
    const env = { PLATFORM_FEE_BPS: 300 };
    expect(platformFeeBps({ platformFeeBps: null }, env)).toBe(300);
    expect(platformFeeBps({ platformFeeBps: 0 }, env)).toBe(0);
    expect(platformFeeBps({ platformFeeBps: 150 }, env)).toBe(150);
    expect(platformFeeBps({ platformFeeBps: null }, { PLATFORM_FEE_BPS: 0 })).toBe(0);
  });
});
