import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, loggablePath, maskEmail } from "~/server/logger.server";

/** A logger writing JSON lines into an array. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ LOG_LEVEL: "info" }, stream), lines };
}

/** What pg throws for a unique violation: the detail names the duplicate value. */
function uniqueViolation(email: string) {
  return Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), {
    code: "23505",
    detail: `Key (lower(email))=(${email}) already exists.`,
    constraint: "users_email_key",
    where: `SQL statement "insert … ${email}"`,
  });
}

describe("logs", () => {
  it("keep a database error's code and constraint but not the values in its detail", () => {
    const { logger, lines } = capture();
    logger.error({ err: uniqueViolation("aiko@example.org") }, "insert failed");
    logger.error({ error: uniqueViolation("kenji@example.org") }, "insert failed");
    logger.error({ err: new Error("wrapped", { cause: uniqueViolation("mari@example.org") }) }, "insert failed");
    const text = JSON.stringify(lines);
    expect(text).not.toContain("@example.org");
    expect(lines[0]).toMatchObject({ msg: "insert failed", err: { code: "23505", constraint: "users_email_key", detail: "[redacted]", where: "[redacted]" } });
  });

  it("redact secrets, emails and cookies", () => {
    const { logger, lines } = capture();
    logger.info({ user: { email: "aiko@example.org", password: "hunter2" }, req: { headers: { cookie: "tomoni_session=abc" } } }, "x");
    const text = JSON.stringify(lines);
    for (const secret of ["aiko@example.org", "hunter2", "tomoni_session=abc"]) expect(text).not.toContain(secret);
  });

  it("mask token paths and drop query strings", () => {
    expect(loggablePath("/unsubscribe/abc123?x=1")).toBe("/unsubscribe/[token]");
    expect(loggablePath("/reset-password/tok")).toBe("/reset-password/[token]");
    expect(loggablePath("/needs/fridge?checkout=cancelled")).toBe("/needs/fridge");
    expect(maskEmail("aiko@example.org")).toBe("a***@example.org");
    expect(maskEmail("broken")).toBe("***");
  });
});
