import type { NextFunction, Request, Response } from "express";
import { LOCALE_COOKIE, negotiateLocale } from "~/locales";

/**
 * A micro-cache of the public need page for anonymous visitors.
 *
 * Why: a need shared on LINE or X brings its visitors all at once, and every one of them
 * sees the same page. Rendering it costs ~8 SQL statements and a React render of a long page;
 * serving a copy rendered less than a second ago costs almost nothing, so a spike stays fast
 * and the database stays free for the donations it brings (README "Performance").
 *
 * What keeps it correct:
 * - Only anonymous GETs of `/needs/<slug>` with no query string are cached, keyed by the
 *   page's language. Any cookie but the language one (a session, anything) bypasses the cache,
 *   so organisers and logged-in users always see the live page.
 * - Per-response secrets are holes, not content: the CSP nonce and the donate form's one-time
 *   token are minted per request (res.locals) and substituted into every copy served, so no
 *   two responses share either.
 * - A response that sets a cookie, or is not a 200 HTML page, is never stored.
 * - Any write handled by this process (every non-GET request: webhooks, donations, organiser
 *   edits) empties the cache when it finishes, and a render that began before that write is not
 *   stored (a generation counter), so a donor coming back from Checkout sees their gift.
 * - Writes made by other processes (a second web process, the CLI) show within the TTL.
 * Concurrent misses for one page wait for a single render instead of all rendering it, and
 * while an expired copy is being replaced the others get the expired one (at most one render
 * older than the TTL).
 */

export interface PageCacheOptions {
  /** How long a copy is served; 0 turns the cache off. */
  ttlMs: number;
  /** Copies kept at most (one per need and language); the oldest goes first. */
  maxEntries?: number;
  now?: () => number;
  /** Mints the donate form's one-time token for a response. */
  mintFormToken: () => string;
}

interface Entry {
  /** The body split at its holes: text, hole, text, hole, … text. */
  segments: string[];
  holes: ("nonce" | "token")[];
  headers: [string, string | number | readonly string[]][];
  expiresAt: number;
}

export interface PageCache {
  /** Express middleware: serves copies and keeps them; put it after securityHeaders. */
  middleware: (req: Request, res: Response, next: NextFunction) => void;
  /**
   * Express middleware: empties the cache when a write (any other method than GET, HEAD or
   * OPTIONS) finishes. Put it before every route that writes, including those answered ahead
   * of `middleware` (Stripe's webhooks).
   */
  writes: (req: Request, res: Response, next: NextFunction) => void;
  /** Forgets every copy (a write has happened). */
  clear(): void;
  readonly size: number;
}

const NEED_PAGE = /^\/needs\/[^/.]+\/?$/;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
// Set per response by other middleware, or recomputed by Node when the copy is sent.
const FRESH_HEADERS = new Set(["content-security-policy", "x-request-id", "content-length", "date", "connection", "keep-alive", "transfer-encoding", "set-cookie", "x-cache"]);
const MAX_BODY_BYTES = 1024 * 1024;

/** The cookies a request carries are only the language one (or none). */
function onlyLanguageCookie(header: string | undefined): boolean {
  if (!header) return true;
  return header.split(";").every((pair) => {
    const name = pair.split("=", 1)[0]!.trim();
    return name === "" || name === LOCALE_COOKIE;
  });
}

/** Splits `body` at every occurrence of the given hole values. */
function splitAtHoles(body: string, values: { nonce: string; token: string }): Pick<Entry, "segments" | "holes"> {
  const segments: string[] = [];
  const holes: Entry["holes"] = [];
  let from = 0;
  for (;;) {
    const n = body.indexOf(values.nonce, from);
    const t = body.indexOf(values.token, from);
    if (n === -1 && t === -1) break;
    const isNonce = t === -1 || (n !== -1 && n < t);
    const at = isNonce ? n : t;
    segments.push(body.slice(from, at));
    holes.push(isNonce ? "nonce" : "token");
    from = at + (isNonce ? values.nonce.length : values.token.length);
  }
  segments.push(body.slice(from));
  return { segments, holes };
}

function fill(entry: Entry, values: { nonce: string; token: string }): string {
  let out = entry.segments[0]!;
  for (let i = 0; i < entry.holes.length; i++) out += values[entry.holes[i]!] + entry.segments[i + 1]!;
  return out;
}

export function createPageCache(options: PageCacheOptions): PageCache {
  const { ttlMs, mintFormToken } = options;
  const maxEntries = options.maxEntries ?? 500;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const rendering = new Map<string, Promise<Entry | null>>();
  let generation = 0;

  const clear = () => {
    generation += 1;
    entries.clear();
  };

  function serve(res: Response, entry: Entry) {
    const token = mintFormToken();
    res.locals.formToken = token;
    const body = fill(entry, { nonce: res.locals.cspNonce as string, token });
    res.status(200);
    for (const [name, value] of entry.headers) res.setHeader(name, value);
    res.setHeader("X-Cache", "hit");
    res.end(body);
  }

  /** Lets the request render as usual and keeps a copy of what it sends. */
  function renderAndKeep(key: string, res: Response, next: NextFunction) {
    const startedIn = generation;
    const nonce = res.locals.cspNonce as string;
    const token = mintFormToken();
    res.locals.formToken = token;
    res.setHeader("X-Cache", "miss");

    let settle!: (entry: Entry | null) => void;
    const done = new Promise<Entry | null>((resolve) => (settle = resolve));
    rendering.set(key, done);
    const finish = (entry: Entry | null) => {
      if (rendering.get(key) === done) rendering.delete(key);
      // A write finished while this page was rendering: what it read may be older than that write.
      if (entry && generation === startedIn) {
        if (!entries.has(key) && entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
        entries.set(key, entry);
      }
      settle(entry && generation === startedIn ? entry : null);
    };

    const chunks: Buffer[] = [];
    let bytes = 0;
    let tooBig = false;
    const keep = (chunk: unknown, encoding?: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === "function" || tooBig) return;
      const buffer = Buffer.isBuffer(chunk)
        ? chunk
        : typeof chunk === "string"
          ? Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8")
          : Buffer.from(chunk as Uint8Array);
      bytes += buffer.length;
      if (bytes > MAX_BODY_BYTES) tooBig = true;
      else chunks.push(buffer);
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk, rest[0]);
      return write(chunk, ...rest);
    }) as Response["write"];
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      keep(chunk, rest[0]);
      return end(chunk, ...rest);
    }) as Response["end"];

    res.on("finish", () => {
      const type = String(res.getHeader("content-type") ?? "");
      if (res.statusCode !== 200 || tooBig || res.getHeader("set-cookie") !== undefined || !type.startsWith("text/html")) return finish(null);
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = Object.entries(res.getHeaders())
        .filter(([name, value]) => value !== undefined && !FRESH_HEADERS.has(name))
        .map(([name, value]) => [name, value] as Entry["headers"][number]);
      finish({ ...splitAtHoles(body, { nonce, token }), headers, expiresAt: now() + ttlMs });
    });
    // The client went away mid-render: nothing complete to keep.
    res.on("close", () => {
      if (!res.writableFinished) finish(null);
    });
    next();
  }

  const writes = (req: Request, res: Response, next: NextFunction) => {
    // Clear when the write is done (committed), not when it starts.
    if (!SAFE_METHODS.has(req.method)) res.on("finish", clear);
    next();
  };

  const middleware = (req: Request, res: Response, next: NextFunction) => {
    const cacheable = ttlMs > 0 && req.method === "GET" && NEED_PAGE.test(req.path) && !req.originalUrl.includes("?") && onlyLanguageCookie(req.headers.cookie);
    if (!cacheable) return next();

    const key = `${negotiateLocale(req.headers.cookie ?? null, req.headers["accept-language"] ?? null)} ${req.path}`;
    const entry = entries.get(key);
    if (entry && entry.expiresAt > now()) return serve(res, entry);
    const pending = rendering.get(key);
    // An expired copy is still served while its replacement renders, so only the one visitor
    // who renders waits (a write removes copies outright, so this is never older than a write).
    if (entry && pending) return serve(res, entry);
    if (!pending) return renderAndKeep(key, res, next);
    pending.then(
      (rendered) => (rendered && !res.headersSent ? serve(res, rendered) : renderAndKeep(key, res, next)),
      () => renderAndKeep(key, res, next),
    );
  };

  return {
    middleware,
    writes,
    clear,
    get size() {
      return entries.size;
    },
  };
}
