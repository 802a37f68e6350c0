import { existsSync } from "node:fs";
import { z } from "zod";

/**
 * The one reader of process.env. Everything else receives a parsed, typed Env.
 * A missing or malformed value stops start-up with one line naming the variable.
 */

const flag = z.enum(["0", "1", "true", "false"]).transform((v) => v === "1" || v === "true");
const optionalSecret = z.string().min(1).optional();

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    HOST: z.string().min(1).default("127.0.0.1"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    APP_URL: z.url({ protocol: /^https?$/ }).optional(),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\/.+/, "must be a postgres:// or postgresql:// URL")
      .optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    DATA_DIR: z.string().min(1).default("./data"),
    SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    DEMO_CONTENT: flag.optional(),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    TRUST_PROXY: flag.default(false),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(8_000),
    STRIPE_SECRET_KEY: optionalSecret,
    /**
     * Signing secrets of the platform and Connect webhook endpoints (whsec_…). Each may hold
     * two, comma-separated, while a secret is being rolled.
     */
    STRIPE_WEBHOOK_SECRET: optionalSecret,
    STRIPE_CONNECT_WEBHOOK_SECRET: optionalSecret,
    /** A Stripe-compatible server such as stripe-mock; host, port and protocol are taken from it. */
    STRIPE_API_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** Built-in demo payments. On by default without STRIPE_SECRET_KEY; in production only if set to 1. */
    DEMO_PAYMENTS: flag.optional(),
    /** Platform fee on each donation, in basis points of the amount; 0 (none) unless an organisation sets its own. */
    PLATFORM_FEE_BPS: z.coerce.number().int().min(0).max(1000).default(0),
    RESEND_API_KEY: optionalSecret,
    /** Any Resend-compatible server; the SDK's default otherwise. */
    RESEND_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** Signing secret of the Resend webhook endpoint (whsec_…). */
    RESEND_WEBHOOK_SECRET: optionalSecret,
    EMAIL_FROM: z.string().min(3).default("Tomoni <no-reply@tomoni.example>"),
    /** Run the outbox worker inside the web process (default) or only via `npm run worker`. */
    EMAIL_WORKER: z.enum(["inline", "off"]).default("inline"),
    EMAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
    /** Provider calls per second across all workers (Resend's default limit is 2). */
    EMAIL_RATE_PER_SECOND: z.coerce.number().min(0.1).max(1000).default(2),
    /** A claimed row whose worker died is picked up again after this long. */
    EMAIL_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
    EMAIL_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
    /**
     * How often each web process settles live needs whose total reached the goal without being
     * funded (app/payments/goal-checks.server.ts: a check lost to a crash); also once at start.
     * 0: only at start.
     */
    GOAL_SWEEP_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
    /**
     * How long an anonymous visitor's copy of a need page is reused (app/server/page-cache.server.ts);
     * 0 turns it off. 1000 in production, 0 elsewhere, so development shows every change at once.
     */
    PAGE_CACHE_MS: z.coerce.number().int().min(0).max(60_000).optional(),
    /** `npm run bench` only: serves /bench/bare (the framework's ceiling); 404 unless set to 1. */
    BENCH_ROUTES: flag.default(false),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV !== "production") return;
    // The local mailbox is for development: production mail needs a real provider.
    for (const key of ["SESSION_SECRET", "APP_URL", "RESEND_API_KEY"] as const) {
      if (!env[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required when NODE_ENV=production" });
    }
    // Demo payments in production must be a decision, never an accident of a missing key.
    if (!env.STRIPE_SECRET_KEY && !env.DEMO_PAYMENTS) {
      ctx.addIssue({ code: "custom", path: ["STRIPE_SECRET_KEY"], message: "is required when NODE_ENV=production (or set DEMO_PAYMENTS=1 for a demo)" });
    }
    // The demo world's organisations point at simulated Stripe accounts: with real payments
    // every gift to them would fail at Stripe, and its fictional donors would mix with real ones.
    if (env.DEMO_CONTENT && !env.DEMO_PAYMENTS) {
      ctx.addIssue({ code: "custom", path: ["DEMO_CONTENT"], message: "needs DEMO_PAYMENTS=1 when NODE_ENV=production (a demo site only)" });
    }
  })
  .superRefine((env, ctx) => {
    // Real payments need their webhook: without it nothing would ever be counted.
    if (env.STRIPE_SECRET_KEY && !env.DEMO_PAYMENTS && !env.STRIPE_WEBHOOK_SECRET) {
      ctx.addIssue({ code: "custom", path: ["STRIPE_WEBHOOK_SECRET"], message: "is required when STRIPE_SECRET_KEY is set" });
    }
  });

export type Env = z.output<typeof schema> & {
  /** The public origin, without a trailing slash. */
  APP_URL: string;
  /** Demo content seeds an empty database: on outside production, opt-in inside it (with demo payments). */
  seedDemoContent: boolean;
  /**
   * Whether the demo world comes with its organiser login, whose password is published in the
   * README: never in production, where anyone could sign in as the owner of the demo organisations.
   */
  seedDemoOrganiser: boolean;
  isProduction: boolean;
  /** PAGE_CACHE_MS with its default applied. */
  pageCacheMs: number;
  /** "demo": the built-in checkout and simulated Connect; "stripe": the real API. */
  paymentsMode: "stripe" | "demo";
};

export class EnvError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`Invalid configuration: ${variable} ${detail}`);
    this.name = "EnvError";
  }
}

/** Parses a plain record (process.env in production, a literal in tests). */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings mean "unset": `FOO= npm start` should not count as a value.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const variable = String(issue.path[0] ?? "environment");
    const given = cleaned[variable];
    const shown = given === undefined || /SECRET|KEY|URL/.test(variable) ? "" : ` (got ${JSON.stringify(given)})`;
    const message = issue.code === "invalid_type" && given === undefined ? "is required" : issue.message;
    throw new EnvError(variable, `${message}${shown}`);
  }
  const env = result.data;
  const isProduction = env.NODE_ENV === "production";
  return {
    ...env,
    APP_URL: (env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ""),
    seedDemoContent: env.DEMO_CONTENT ?? !isProduction,
    seedDemoOrganiser: !isProduction,
    isProduction,
    pageCacheMs: env.PAGE_CACHE_MS ?? (isProduction ? 1000 : 0),
    paymentsMode: env.DEMO_PAYMENTS || !env.STRIPE_SECRET_KEY ? "demo" : "stripe",
  };
}

/** Reads `.env` (if present) into process.env, then parses it. */
export function loadEnv(path = ".env"): Env {
  if (existsSync(path)) process.loadEnvFile(path);
  return parseEnv(process.env);
}

/**
 * For command-line entry points (server, worker, operator commands): a configuration error
 * is one line on stderr and exit code 1, not a stack trace.
 */
export function loadEnvOrExit(path = ".env"): Env {
  try {
    return loadEnv(path);
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
