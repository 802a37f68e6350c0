import { hashPassword } from "~/auth/passwords.server";
import type { Database } from "~/db.server";
import type { MemberRole } from "~/models/schema";
import type { TestApp } from "./app";

let counter = 0;
const unique = () => `${process.pid}-${Date.now().toString(36)}-${++counter}`;

export const PASSWORD = "correct horse battery staple";

/** A user row with a real argon2id hash of `password`. */
export async function createTestUser(
  db: Database,
  options: { email?: string; password?: string; displayName?: string } = {},
): Promise<{ id: number; email: string; password: string }> {
  const email = options.email ?? `user-${unique()}@example.org`;
  const password = options.password ?? PASSWORD;
  const { id } = await db
    .insertInto("users")
    .values({ email, password_hash: await hashPassword(password), display_name: options.displayName ?? "" })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id, email, password };
}

export async function createTestOrganisation(
  db: Database,
  members: { userId: number; role: MemberRole }[],
  options: { slug?: string; name?: string } = {},
): Promise<{ id: number; slug: string; name: string }> {
  const slug = options.slug ?? `org-${unique()}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  const name = options.name ?? `Organisation ${counter}`;
  const { id } = await db.insertInto("organisations").values({ slug, name }).returning("id").executeTakeFirstOrThrow();
  if (members.length > 0) {
    await db
      .insertInto("organisation_members")
      .values(members.map((m) => ({ organisation_id: id, user_id: m.userId, role: m.role })))
      .execute();
  }
  return { id, slug, name };
}

let ipCounter = 0;
/** A fresh client address per test, sent as X-Forwarded-For (the app trusts the proxy in these tests). */
export function nextIp(): string {
  ipCounter += 1;
  return `198.51.${Math.floor(ipCounter / 250) % 250}.${(ipCounter % 250) + 1}`;
}

export interface Client {
  ip: string;
  cookie?: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, fields: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
}

/**
 * A browser-ish client: same-origin form posts (Origin, Sec-Fetch-Site), no redirects
 * followed, and the session cookie kept by hand from Set-Cookie.
 */
export function client(app: TestApp, options: { ip?: string; cookie?: string } = {}): Client {
  const self: Client = {
    ip: options.ip ?? nextIp(),
    cookie: options.cookie,
    async get(path, headers = {}) {
      const res = await fetch(`${app.url}${path}`, { redirect: "manual", headers: { ...baseHeaders(self), ...headers } });
      keepCookie(self, res);
      return res;
    },
    async post(path, fields, headers = {}) {
      const res = await fetch(`${app.url}${path}`, {
        method: "POST",
        redirect: "manual",
        headers: {
          ...baseHeaders(self),
          "Content-Type": "application/x-www-form-urlencoded",
          Origin: app.url,
          "Sec-Fetch-Site": "same-origin",
          ...headers,
        },
        body: new URLSearchParams(fields).toString(),
      });
      keepCookie(self, res);
      return res;
    },
  };
  return self;
}

function baseHeaders(c: Client): Record<string, string> {
  return { "X-Forwarded-For": c.ip, ...(c.cookie ? { Cookie: c.cookie } : {}) };
}

const SESSION_COOKIE = /^((?:__Host-)?tomoni_session)=([^;]*)/;

function keepCookie(c: Client, res: Response) {
  for (const header of res.headers.getSetCookie()) {
    const match = SESSION_COOKIE.exec(header);
    if (!match) continue;
    c.cookie = match[2] ? `${match[1]}=${match[2]}` : undefined;
  }
}

/** Logs in through the real form and returns the client holding the session. */
export async function loggedIn(app: TestApp, user: { email: string; password: string }): Promise<Client> {
  const c = client(app);
  const res = await c.post("/login", { email: user.email, password: user.password });
  if (res.status !== 303 || !c.cookie) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return c;
}

/** The page's HTML without what differs on every response (CSP nonces). */
export function stableHtml(html: string): string {
  return html.replace(/nonce="[^"]*"/g, 'nonce=""');
}
