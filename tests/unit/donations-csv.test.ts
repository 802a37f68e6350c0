import { describe, expect, it } from "vitest";
import { CSV_COLUMNS, csvField, donationCsvRecord, encodeCsv, type DonationReportRow } from "~/models/donation-reports.server";
import { parseCsv } from "../support/csv";

function row(overrides: Partial<DonationReportRow> = {}): DonationReportRow {
  return {
    id: 7,
    needId: 1,
    needSlug: "fridge",
    needTitle: "Refrigerator for the shelter",
    itemId: null,
    itemName: null,
    currency: "JPY",
    status: "succeeded",
    amount: 3_000,
    feeCover: 120,
    refundedAmount: 0,
    disputedAmount: 0,
    disputeStatus: null,
    counted: 3_000,
    donorName: "Aiko",
    donorEmail: "aiko@example.org",
    showName: true,
    message: "",
    updatesOptIn: false,
    locale: "ja",
    createdAt: new Date("2026-01-25T03:04:05.000Z"),
    succeededAt: new Date("2026-01-25T03:05:00.000Z"),
    stripeCheckoutSessionId: "cs_test_1",
    stripePaymentIntentId: "pi_1",
    stripeChargeId: "ch_1",
    stripeAccountId: "acct_1",
    ...overrides,
  };
}

const cell = (record: string[], column: (typeof CSV_COLUMNS)[number]) => record[CSV_COLUMNS.indexOf(column)];

describe("csvField", () => {
  it.each([
    ["plain", "plain"],
    ["", ""],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\nlines", '"two\nlines"'],
    ["two\r\nlines", '"two\r\nlines"'],
    ["田中 花子", "田中 花子"],
  ])("quotes %j as RFC 4180 asks", (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it.each([
    ["=HYPERLINK(\"http://evil.example\",\"click\")", `"'=HYPERLINK(""http://evil.example"",""click"")"`],
    ["+81 6 1234", "'+81 6 1234"],
    ["-2+3", "'-2+3"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\t=1+1", "'\t=1+1"],
    ["\r=1+1", `"'\r=1+1"`],
    ["=1,2", `"'=1,2"`],
  ])("neutralises the formula %j", (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it("leaves text that merely contains formula characters alone", () => {
    expect(csvField("a=b")).toBe("a=b");
    expect(csvField("Osaka-shi")).toBe("Osaka-shi");
  });
});

describe("donationCsvRecord", () => {
  it("writes amounts as exact decimals of the currency", () => {
    const usd = donationCsvRecord(row({ currency: "USD", amount: 1_250, feeCover: 5, refundedAmount: 100, counted: 1_150, disputedAmount: 0 }));
    expect(cell(usd, "amount")).toBe("12.50");
    expect(cell(usd, "feeCover")).toBe("0.05");
    expect(cell(usd, "refunded")).toBe("1.00");
    expect(cell(usd, "counted")).toBe("11.50");
    expect(cell(usd, "disputed")).toBe("0.00");
    const jpy = donationCsvRecord(row({ amount: 10_000, feeCover: 0, refundedAmount: 3_000, counted: 7_000 }));
    expect(cell(jpy, "amount")).toBe("10000");
    expect(cell(jpy, "refunded")).toBe("3000");
    expect(cell(jpy, "counted")).toBe("7000");
  });

  it("says whether the donor is anonymous to the public, and keeps the name for organisers", () => {
    const record = donationCsvRecord(row({ showName: false, donorName: "Kenji" }));
    expect(cell(record, "display")).toBe("anonymous");
    expect(cell(record, "donorName")).toBe("Kenji");
    expect(cell(donationCsvRecord(row()), "display")).toBe("public");
  });

  it("has one cell per column, dates in UTC ISO 8601, ids as given", () => {
    const record = donationCsvRecord(row({ succeededAt: null, itemName: "Refrigerator" }));
    expect(record).toHaveLength(CSV_COLUMNS.length);
    expect(cell(record, "created")).toBe("2026-01-25T03:04:05.000Z");
    expect(cell(record, "succeeded")).toBe("");
    expect(cell(record, "item")).toBe("Refrigerator");
    expect(cell(record, "paymentIntent")).toBe("pi_1");
    expect(cell(record, "account")).toBe("acct_1");
  });
});

describe("encodeCsv", () => {
  it("starts with a UTF-8 byte order mark, ends records with CRLF, and reads back to the same cells", () => {
    const records = [
      ["id", "name", "message"],
      ["1", "山田 太郎", 'Thank you, "team"\nfrom Osaka'],
      ["2", "=cmd|' /C calc'!A0", ""],
    ];
    const text = encodeCsv(records);
    expect(text.startsWith("\uFEFF")).toBe(true);
    expect(Buffer.from(text, "utf8").subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(text.endsWith("\r\n")).toBe(true);
    const back = parseCsv(text.slice(1));
    expect(back).toEqual([records[0], records[1], ["2", "'=cmd|' /C calc'!A0", ""]]);
  });
});
