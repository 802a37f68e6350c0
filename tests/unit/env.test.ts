import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "~/env.server";

const fail = (source: Record<string, string>) => {
  try {
    parseEnv(source);
  } catch (error) {
    return error as EnvError;
  }
  throw new Error("expected parseEnv to throw");
};

const PRODUCTION = {
  NODE_ENV: "production",
  SESSION_SECRET: "x".repeat(32),
  APP_URL: "https://t.example",
  RESEND_API_KEY: "re_x",
  STRIPE_SECRET_KEY: "sk_live_x",
  STRIPE_WEBHOOK_SECRET: "whsec_x",
};

describe("parseEnv", () => {
  it("has embedded defaults that need nothing", () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.DATA_DIR).toBe("./data");
    expect(env.APP_URL).toBe("http://localhost:3000");
    expect(env.seedDemoContent).toBe(true);
    expect(env.isProduction).toBe(false);
  });

  it("names a malformed variable in one line", () => {
    const error = fail({ PORT: "eighty" });
    expect(error).toBeInstanceOf(EnvError);
    expect(error.variable).toBe("PORT");
    expect(error.message).toMatch(/^Invalid configuration: PORT /);
    expect(error.message).not.toContain("\n");
  });

  it.each([
    ["DATABASE_URL", "mysql://localhost/db"],
    ["DATABASE_POOL_SIZE", "0"],
    ["LOG_LEVEL", "loud"],
    ["APP_URL", "not a url"],
    ["DEMO_CONTENT", "maybe"],
    ["SESSION_SECRET", "short"],
  ])("refuses %s=%j", (variable, value) => {
    expect(fail({ [variable]: value }).variable).toBe(variable);
  });

  it("does not echo secret values", () => {
    expect(fail({ SESSION_SECRET: "tooshort-secret" }).message).not.toContain("tooshort-secret");
  });

  it("requires SESSION_SECRET, APP_URL and RESEND_API_KEY in production", () => {
    expect(fail({ NODE_ENV: "production" }).variable).toBe("SESSION_SECRET");
    expect(fail({ NODE_ENV: "production", SESSION_SECRET: "x".repeat(32) }).message).toBe(
      "Invalid configuration: APP_URL is required when NODE_ENV=production",
    );
    expect(fail({ NODE_ENV: "production", SESSION_SECRET: "x".repeat(32), APP_URL: "https://t.example" }).variable).toBe("RESEND_API_KEY");
    const env = parseEnv({ ...PRODUCTION, APP_URL: "https://tomoni.example/" });
    expect(env.APP_URL).toBe("https://tomoni.example");
    expect(env.seedDemoContent).toBe(false);
    expect(env.paymentsMode).toBe("stripe");
  });

  it("refuses production without Stripe unless demo payments are explicit", () => {
    const { STRIPE_SECRET_KEY: _key, STRIPE_WEBHOOK_SECRET: _secret, ...withoutStripe } = PRODUCTION;
    expect(fail(withoutStripe).message).toMatch(/STRIPE_SECRET_KEY is required when NODE_ENV=production/);
    expect(parseEnv({ ...withoutStripe, DEMO_PAYMENTS: "1" }).paymentsMode).toBe("demo");
  });

  it("needs a webhook secret for real payments, and runs demo payments without a key", () => {
    expect(fail({ STRIPE_SECRET_KEY: "sk_test_x" }).variable).toBe("STRIPE_WEBHOOK_SECRET");
    expect(parseEnv({}).paymentsMode).toBe("demo");
    expect(parseEnv({ STRIPE_SECRET_KEY: "sk_test_x", STRIPE_WEBHOOK_SECRET: "whsec_x" }).paymentsMode).toBe("stripe");
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", PORT: "" }).DATABASE_URL).toBeUndefined();
  });

  it("lets a production demo site opt in to demo content, without the demo organiser's published login", () => {
    expect(parseEnv({}).seedDemoOrganiser).toBe(true);
    const env = parseEnv({ ...PRODUCTION, DEMO_PAYMENTS: "1", DEMO_CONTENT: "1" });
    expect(env.seedDemoContent).toBe(true);
    expect(env.seedDemoOrganiser).toBe(false);
  });

  it("refuses demo content in production with real payments", () => {
    const error = fail({ ...PRODUCTION, DEMO_CONTENT: "1" });
    expect(error.variable).toBe("DEMO_CONTENT");
    expect(error.message).toMatch(/needs DEMO_PAYMENTS=1 when NODE_ENV=production/);
  });

  it("caches anonymous need pages for a second in production only, unless told otherwise", () => {
    expect(parseEnv(PRODUCTION).pageCacheMs).toBe(1000);
    expect(parseEnv({}).pageCacheMs).toBe(0);
    expect(parseEnv({ ...PRODUCTION, PAGE_CACHE_MS: "0" }).pageCacheMs).toBe(0);
    expect(parseEnv({ PAGE_CACHE_MS: "250" }).pageCacheMs).toBe(250);
    expect(fail({ PAGE_CACHE_MS: "-1" }).variable).toBe("PAGE_CACHE_MS");
  });
});
