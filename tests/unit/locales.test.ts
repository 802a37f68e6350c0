import { describe, expect, it } from "vitest";
import { formatDate, negotiateLocale, translator } from "~/locales";
import { en } from "~/locales/en";
import { ja } from "~/locales/ja";

describe("negotiateLocale", () => {
  it.each([
    [null, null, "en"],
    [null, "ja", "ja"],
    [null, "ja-JP,ja;q=0.9,en;q=0.8", "ja"],
    [null, "en-US,en;q=0.9,ja;q=0.8", "en"],
    [null, "fr-FR,fr;q=0.9,ja;q=0.5", "ja"],
    [null, "fr, de", "en"],
    [null, "en;q=0.2, ja;q=0.8", "ja"],
    [null, "ja;q=0, en", "en"],
    ["lang=ja", "en-US", "ja"],
    ["theme=dark; lang=en", "ja", "en"],
    ["lang=xx", "ja", "ja"],
    ["lang=%E0%A4%A", "ja", "ja"],
  ])("cookie %j, Accept-Language %j → %s", (cookie, accept, expected) => {
    expect(negotiateLocale(cookie, accept)).toBe(expected);
  });
});

describe("translations", () => {
  it("have the same keys in both languages, none empty", () => {
    expect(Object.keys(ja).sort()).toEqual(Object.keys(en).sort());
    for (const value of [...Object.values(en), ...Object.values(ja)]) expect(value.trim()).not.toBe("");
  });

  it("fill placeholders", () => {
    expect(translator("en")("need.backers", { count: 7 })).toBe("7 backers");
    expect(translator("ja")("need.backers", { count: 7 })).toBe("支援者 7 人");
  });

  it("format calendar dates without shifting the day", () => {
    expect(formatDate("2026-01-25", "en")).toBe("January 25, 2026");
    expect(formatDate("2026-01-25", "ja")).toBe("2026年1月25日");
  });
});
