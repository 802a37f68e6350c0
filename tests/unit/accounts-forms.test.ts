import { describe, expect, it } from "vitest";
import { accountKey, ipKey } from "~/auth/throttle.server";
import { safeRedirectPath } from "~/auth/session.server";
import { loginSchema, signupSchema } from "~/forms/accounts.server";
import { looksLikeStreetAddress, organisationSchema, slugFromName } from "~/forms/organisation.server";
import { parseForm } from "~/forms/parse.server";

describe("street addresses in the region field", () => {
  it.each([
    "大阪市北区梅田1丁目",
    "大阪市北区梅田三丁目",
    "名古屋市中区栄3-5-12",
    "名古屋市中区栄３－５－１２",
    "〒530-0001",
    "530-0001",
    "５３０ー０００１",
    "1-2-3 Umeda",
    "Umeda 2-chome",
    "Umeda 2 chōme",
    "5番地",
    "101号室",
    "12 Canal Street",
    "221B Baker St.",
  ])("refuses %s", (value) => {
    expect(looksLikeStreetAddress(value)).toBe(true);
  });

  it.each(["Osaka", "大阪市", "愛知県名古屋市", "Kita-ku, Osaka", "Tokyo 23 wards", "Sapporo, Hokkaido", ""])("accepts %s", (value) => {
    expect(looksLikeStreetAddress(value)).toBe(false);
  });
});

describe("organisation form", () => {
  it("makes a slug from an ASCII name and lowercases a typed one", () => {
    expect(slugFromName("Osaka Café -- Night Kitchen!")).toBe("osaka-cafe-night-kitchen");
    expect(slugFromName("ひなたの会")).toBe("");
    const parsed = parseForm(organisationSchema, { name: "X", slug: " My-Group " });
    expect(parsed.success && parsed.data.slug).toBe("my-group");
  });

  it("refuses non-http websites and leaves empty optional fields null", () => {
    const bad = parseForm(organisationSchema, { name: "X", website: "ftp://example.org" });
    expect(bad.success || bad.errors.website).toBe("error.website");
    const ok = parseForm(organisationSchema, { name: "X", website: "", contactEmail: "" });
    expect(ok.success && ok.data).toMatchObject({ website: null, contactEmail: null, slug: "x" });
  });

  it("reports every invalid field at once", () => {
    const result = parseForm(organisationSchema, { name: "", slug: "Bad_Slug", region: "1丁目", website: "nope", contactEmail: "nope" });
    expect(result.success).toBe(false);
    if (!result.success) expect(Object.keys(result.errors).sort()).toEqual(["contactEmail", "name", "region", "slug", "website"]);
  });
});

describe("account forms", () => {
  it("counts password length in code points", () => {
    expect(parseForm(signupSchema, { email: "a@example.org", password: "🔥".repeat(7) }).success).toBe(false);
    expect(parseForm(signupSchema, { email: "a@example.org", password: "🔥".repeat(8) }).success).toBe(true);
    expect(parseForm(signupSchema, { email: "a@example.org", password: "🔥".repeat(128) }).success).toBe(true);
    expect(parseForm(signupSchema, { email: "a@example.org", password: "🔥".repeat(129) }).success).toBe(false);
  });

  it("says 'required' for missing fields", () => {
    const result = parseForm(loginSchema, {});
    expect(result.success || result.errors).toEqual({ email: "error.required", password: "error.required" });
  });

  it("refuses addresses with line breaks", () => {
    expect(parseForm(loginSchema, { email: "a@example.org\r\nBcc: x@example.org", password: "x" }).success).toBe(false);
  });
});

describe("rate-limit keys", () => {
  it("groups IPv6 clients by /64 and unwraps IPv4-mapped addresses", () => {
    expect(ipKey("203.0.113.9")).toBe("203.0.113.9");
    expect(ipKey("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(ipKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(ipKey("2001:db8:1:2:bbbb:cccc:dddd:eeee")).toBe("2001:db8:1:2::/64");
    expect(ipKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(ipKey("::1")).toBe("0:0:0:0::/64");
    expect(ipKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
  });

  it("buckets an address by a hash of its normalised form", () => {
    expect(accountKey(" Alice@Example.org ")).toBe(accountKey("alice@example.org"));
    expect(accountKey("alice@example.org")).not.toContain("alice");
  });
});

describe("safeRedirectPath", () => {
  it.each([
    ["/dashboard/x", "/dashboard/x"],
    ["//evil.example", "/dashboard"],
    ["/\\evil.example", "/dashboard"],
    ["https://evil.example", "/dashboard"],
    ["/a\nb", "/dashboard"],
    [null, "/dashboard"],
  ])("%j → %s", (input, expected) => {
    expect(safeRedirectPath(input)).toBe(expected);
  });
});
