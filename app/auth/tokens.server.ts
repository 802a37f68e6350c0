import { createHash, randomBytes } from "node:crypto";

/**
 * Secrets handed to a browser or an email (session cookies, reset and invitation links):
 * 32 random bytes, base64url. Only their SHA-256 is stored, so a leaked table grants nothing;
 * a plain hash suffices because the input has 256 bits of entropy (no salt or stretching needed).
 */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Shape check before touching the database: 32 bytes of base64url is 43 characters. */
export function looksLikeToken(value: string | undefined | null): value is string {
  return typeof value === "string" && /^[A-Za-z0-9_-]{43}$/.test(value);
}
