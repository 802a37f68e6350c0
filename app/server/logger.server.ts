import pino, { type Logger } from "pino";
import type { Env } from "~/env.server";

/** Structured JSON logs. Secrets, cookies and tokens never reach them. */
export function createLogger(env: Pick<Env, "LOG_LEVEL">, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: env.LOG_LEVEL,
      base: { service: "tomoni" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          "req.headers.cookie",
          "req.headers.authorization",
          "*.password",
          "*.token",
          "*.email",
          "*.secret",
          // A PostgreSQL error's detail names the row's values: a unique violation on donors'
          // or users' addresses would put an email address in the log ("Key (lower(email))=(…)").
          "err.detail",
          "err.where",
          "error.detail",
          "error.where",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}

// Path segments that carry secrets: one-click unsubscribe, password reset, invitations.
const TOKEN_PATHS = /^\/(unsubscribe|reset-password|invitations|follow\/confirm)\/[^/]+/;

/** The path as it may be logged: no query string (tokens travel there too), tokens masked. */
export function loggablePath(url: string): string {
  const path = url.split("?")[0] ?? "/";
  return path.replace(TOKEN_PATHS, (_whole, prefix: string) => `/${prefix}/[token]`);
}

/** user@example.org → u***@example.org: enough to correlate, not enough to identify. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at <= 0) return "***";
  return `${email[0]}***${email.slice(at)}`;
}
