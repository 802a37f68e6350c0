import { createHash, randomBytes } from "node:crypto";

/**
 * One submission of a form, whatever the network does with it. A form carries a one-time
 * token minted when it is rendered; the submission's key is that token plus a digest of what
 * was typed. The same form sent twice (a double click, a retry) has the same key and is the
 * same donation or draft; a form restored by the back button and changed is a new one, rather
 * than silently landing on what was made from the old values. The key lives in a UNIQUE column.
 */

/** A fresh one-time token for a rendered form (144 random bits). */
export function newFormToken(): string {
  return randomBytes(18).toString("base64url");
}

const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;

/** Whether a posted value has the shape of a token we mint. */
export function isFormToken(value: string): boolean {
  return TOKEN.test(value);
}

/** A token as posted, if it is one we could have minted; anything else is no token. */
export function postedToken(value: string | undefined): string | null {
  const token = (value ?? "").trim();
  return isFormToken(token) ? token : null;
}

/** The submission key: the token and a digest of the submitted values (JSON-serialisable). */
export function submissionKey(token: string, values: readonly unknown[]): string {
  const digest = createHash("sha256").update(JSON.stringify(values)).digest("base64url").slice(0, 22);
  return `${token}:${digest}`;
}
