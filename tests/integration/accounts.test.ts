import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "~/auth/tokens.server";
import { LIMITS } from "~/auth/throttle.server";
import { createDatabase, type Database } from "~/db.server";
import { client, createTestUser, loggedIn, stableHtml } from "../support/accounts";
import { PRODUCTION_ENV, startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
let db: Database;
let app: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  // Behind a proxy, so each test can be its own client address (X-Forwarded-For).
  app = await startTestApp(db, { TRUST_PROXY: "1" });
});
afterAll(async () => {
  await app?.close();
  await database?.destroy();
});

const sessionToken = (cookie: string | undefined) => cookie?.split("=")[1] ?? "";

/** The sign-up emails queued for an address (the outbox is where the links travel). */
const signupEmails = (kind: "signup-confirm" | "signup-existing", to: string) =>
  db.selectFrom("outbox_emails").selectAll().where("kind", "=", kind).where(sql<string>`lower(recipient)`, "=", to.toLowerCase()).orderBy("id").execute();

/** The path of the newest confirmation link emailed to an address. */
async function confirmPath(to: string): Promise<string> {
  const emails = await signupEmails("signup-confirm", to);
  const url = String(emails.at(-1)?.props.confirmUrl ?? "");
  expect(url).toMatch(new RegExp(`^${app.env.APP_URL}/signup/confirm/[A-Za-z0-9_-]{43}$`));
  return new URL(url).pathname;
}

const userCount = async (email: string) =>
  Number((await db.selectFrom("users").select(sql<number>`count(*)`.as("n")).where(sql<string>`lower(email)`, "=", email.toLowerCase()).executeTakeFirstOrThrow()).n);

describe("sign-up", () => {
  it("emails a confirmation link; the account exists, logged in with a fresh HttpOnly, SameSite=Lax cookie, only once the link's button is pressed", async () => {
    const c = client(app);
    const res = await c.post("/signup", { email: "  New.Organiser@Example.org ", password: "a long passphrase", displayName: "Aiko" });
    expect(res.status).toBe(200);
    const sent = await res.text();
    expect(sent).toContain("Check your email");
    expect(sent).toContain("New.Organiser@Example.org");
    expect(c.cookie).toBeUndefined();
    expect(await userCount("new.organiser@example.org")).toBe(0);

    const [email] = await signupEmails("signup-confirm", "New.Organiser@Example.org");
    expect(email!.transactional).toBe(true);
    expect(email!.props.expiresInHours).toBe(24);
    const path = await confirmPath("New.Organiser@Example.org");
    // Only the hash of the token is stored, with the password's argon2 hash, never the password.
    const request = await db.selectFrom("signup_requests").selectAll().where("token_hash", "=", hashToken(path.split("/").pop()!)).executeTakeFirstOrThrow();
    expect(request.password_hash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(request)).not.toContain("a long passphrase");
    expect(new Date(request.expires_at).getTime() - new Date(request.created_at).getTime()).toBeCloseTo(24 * 3_600_000, -4);

    // A mail scanner fetching the link changes nothing.
    const page = await c.get(path);
    expect(page.status).toBe(200);
    expect(page.headers.get("referrer-policy")).toBe("strict-origin");
    const pageHtml = await page.text();
    expect(pageHtml).toContain("Create the organiser account for N***@Example.org?");
    expect(await userCount("new.organiser@example.org")).toBe(0);

    const confirmed = await c.post(path, {});
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get("location")).toBe("/dashboard");
    const setCookie = confirmed.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^tomoni_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=2592000; HttpOnly; SameSite=Lax$/);
    expect(setCookie).not.toContain("Secure");

    const user = await db.selectFrom("users").selectAll().where("email", "=", "New.Organiser@Example.org").executeTakeFirstOrThrow();
    expect(user.password_hash).toBe(request.password_hash);
    expect(user.display_name).toBe("Aiko");
    const token = sessionToken(c.cookie);
    const sessions = await db.selectFrom("sessions").selectAll().where("user_id", "=", user.id).execute();
    expect(sessions.map((s) => s.id_hash)).toEqual([hashToken(token)]);

    const dashboard = await c.get("/dashboard");
    expect(dashboard.status).toBe(200);
    const html = await dashboard.text();
    expect(html).toContain("Your organisations");
    expect(html).toContain("Log out");
    // The password given at sign-up is the account's.
    expect((await client(app).post("/login", { email: "new.organiser@example.org", password: "a long passphrase" })).status).toBe(303);

    // A double click: the logged-in browser carries on; anyone else is told the link is spent.
    const again = await c.post(path, {});
    expect(again.status).toBe(303);
    expect(again.headers.get("location")).toBe("/dashboard");
    const stranger = await client(app).post(path, {}, { "Accept-Language": "ja" });
    expect(stranger.status).toBe(404);
    expect(await stranger.text()).toContain("このリンクは使えません");
    expect((await client(app).get(path)).status).toBe(404);
    expect(await userCount("new.organiser@example.org")).toBe(1);
  });

  it("refuses bad input with 400, errors next to their fields in the visitor's language, and keeps what was typed except the password", async () => {
    const c = client(app);
    const res = await c.post("/signup", { email: "not-an-address", password: "short", displayName: "Kenji" }, { "Accept-Language": "ja" });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("入力内容を確認してください");
    expect(html).toContain("name@example.org のような形式でメールアドレスを入力してください。");
    expect(html).toContain("8 文字以上にしてください。");
    expect(html).toMatch(/id="email"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="email"/);
    expect(html).toContain('aria-describedby="email-error"');
    expect(html).toContain('value="not-an-address"');
    expect(html).toContain('value="Kenji"');
    expect(html).not.toContain('value="short"');
    expect(c.cookie).toBeUndefined();
  });

  it("counts password length in code points: 8 emoji are enough, 129 characters are too many", async () => {
    const emoji = "🔥".repeat(8); // 16 UTF-16 units, 8 characters
    expect((await client(app).post("/signup", { email: "emoji@example.org", password: emoji.slice(0, 14) })).status).toBe(400);
    expect((await client(app).post("/signup", { email: "emoji@example.org", password: emoji })).status).toBe(200);
    const tooLong = await client(app).post("/signup", { email: "long@example.org", password: "x".repeat(129) });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.text()).toContain("Use at most 128 characters.");
    expect((await client(app).post("/signup", { email: "long@example.org", password: "x".repeat(128) })).status).toBe(200);
    expect(await signupEmails("signup-confirm", "long@example.org")).toHaveLength(1);
  });

  it("answers an address that already has an account exactly as a new one, and tells only the address's owner, once an hour", async () => {
    const existing = await createTestUser(db);
    const fresh = `fresh-${existing.id}@example.org`;
    const known = await client(app).post("/signup", { email: existing.email.toUpperCase(), password: "another passphrase" });
    const unknown = await client(app).post("/signup", { email: fresh.toUpperCase(), password: "another passphrase" });
    expect(known.status).toBe(unknown.status);
    const shown = (html: string, email: string) => stableHtml(html).replaceAll(email.toUpperCase(), "ADDRESS");
    expect(shown(await known.text(), existing.email)).toBe(shown(await unknown.text(), fresh));

    // The owner is told, with a way in; no second account, no request that could become one.
    const [notice] = await signupEmails("signup-existing", existing.email);
    expect(notice!.transactional).toBe(true);
    expect(notice!.props).toEqual({ loginUrl: `${app.env.APP_URL}/login`, forgotPasswordUrl: `${app.env.APP_URL}/forgot-password` });
    expect(await signupEmails("signup-confirm", existing.email)).toEqual([]);
    expect(await userCount(existing.email)).toBe(1);
    const requests = await db.selectFrom("signup_requests").select("email").where(sql<string>`lower(email)`, "=", existing.email.toLowerCase()).execute();
    expect(requests).toEqual([]);
    // The old password still works.
    expect((await client(app).post("/login", { email: existing.email, password: existing.password })).status).toBe(303);

    // A stranger re-submitting does not flood the owner's inbox.
    expect((await client(app).post("/signup", { email: existing.email, password: "yet another passphrase" })).status).toBe(200);
    expect(await signupEmails("signup-existing", existing.email)).toHaveLength(1);
  });

  it("creates one account when two links for one address are used, and refuses an expired link", async () => {
    const email = `twice-${Date.now()}@example.org`;
    await client(app).post("/signup", { email, password: "first passphrase" });
    const first = await confirmPath(email);
    await client(app).post("/signup", { email, password: "second passphrase" });
    const second = await confirmPath(email);
    expect(second).not.toBe(first);

    expect((await client(app).post(second, {})).status).toBe(303);
    // The first link was spent with the account's creation.
    const late = await client(app).post(first, {});
    expect(late.status).toBe(404);
    expect(await userCount(email)).toBe(1);
    expect((await client(app).post("/login", { email, password: "second passphrase" })).status).toBe(303);

    const expiring = `expired-${Date.now()}@example.org`;
    await client(app).post("/signup", { email: expiring, password: "a long passphrase" });
    const path = await confirmPath(expiring);
    await db.updateTable("signup_requests").set({ expires_at: new Date(Date.now() - 1000) }).where("email", "=", expiring).execute();
    const page = await client(app).get(path);
    expect(page.status).toBe(404);
    expect(await page.text()).toContain("Sign-up links work once, for 24 hours.");
    expect((await client(app).post(path, {})).status).toBe(404);
    expect(await userCount(expiring)).toBe(0);
  });

  it("says an account was made in the meantime when a link's address got one another way", async () => {
    const email = `meantime-${Date.now()}@example.org`;
    await client(app).post("/signup", { email, password: "a long passphrase" });
    const path = await confirmPath(email);
    await createTestUser(db, { email });
    const res = await client(app).post(path, {});
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("This address already has an account");
    expect(await userCount(email)).toBe(1);
  });

  it("sends one address at most three sign-up emails an hour, from any number of machines", async () => {
    const email = `flooded-${Date.now()}@example.org`;
    for (let i = 0; i < LIMITS.signupPerAccount.limit; i++) {
      expect((await client(app).post("/signup", { email, password: "a long passphrase" })).status).toBe(200);
    }
    const refused = await client(app).post("/signup", { email, password: "a long passphrase" });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await signupEmails("signup-confirm", email)).toHaveLength(LIMITS.signupPerAccount.limit);
  });
});

describe("login and logout", () => {
  it("logs in, and logging out ends the session on the server: the old cookie no longer works", async () => {
    const user = await createTestUser(db);
    const c = await loggedIn(app, user);
    const oldCookie = c.cookie!;
    expect((await c.get("/dashboard")).status).toBe(200);

    const out = await c.post("/logout", {});
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(/^tomoni_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax/);
    expect(await db.selectFrom("sessions").select("id_hash").where("user_id", "=", user.id).execute()).toEqual([]);

    // Replaying the cookie captured before logout.
    const replay = await client(app, { cookie: oldCookie }).get("/dashboard");
    expect(replay.status).toBe(302);
    expect(replay.headers.get("location")).toBe("/login?redirectTo=%2Fdashboard");
  });

  it("does not log out on GET", async () => {
    const c = await loggedIn(app, await createTestUser(db));
    expect((await c.get("/logout")).status).toBe(302);
    expect((await c.get("/dashboard")).status).toBe(200);
  });

  it("gives a new session id at every login and ends the token sent with the login", async () => {
    const user = await createTestUser(db);
    const first = await loggedIn(app, user);
    const before = first.cookie!;
    const res = await first.post("/login", { email: user.email, password: user.password });
    expect(res.status).toBe(303);
    expect(first.cookie).toBeDefined();
    expect(sessionToken(first.cookie)).not.toBe(sessionToken(before));
    expect((await client(app, { cookie: before }).get("/dashboard")).status).toBe(302);
    expect((await first.get("/dashboard")).status).toBe(200);
  });

  it("goes back to where login was asked for, but never to another site", async () => {
    const user = await createTestUser(db);
    const back = await client(app).post("/login", { email: user.email, password: user.password, redirectTo: "/dashboard/new-organisation" });
    expect(back.headers.get("location")).toBe("/dashboard/new-organisation");
    for (const evil of ["//evil.example/", "/\\evil.example", "https://evil.example/"]) {
      const res = await client(app).post("/login", { email: user.email, password: user.password, redirectTo: evil });
      expect(res.headers.get("location")).toBe("/dashboard");
    }
  });

  it("accepts the address in any case", async () => {
    const user = await createTestUser(db, { email: "MixedCase@Example.org" });
    expect((await client(app).post("/login", { email: "mixedcase@example.ORG", password: user.password })).status).toBe(303);
  });

  it("answers a wrong password and an unknown address identically", async () => {
    const user = await createTestUser(db);
    const stranger = `nobody-${user.id}@example.org`;
    const wrong = await client(app).post("/login", { email: user.email, password: "wrong password!" });
    const unknown = await client(app).post("/login", { email: stranger, password: "wrong password!" });
    expect(wrong.status).toBe(400);
    expect(unknown.status).toBe(wrong.status);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(unknown.headers.get("set-cookie")).toBeNull();
    const a = stableHtml(await wrong.text()).replaceAll(user.email, "EMAIL");
    const b = stableHtml(await unknown.text()).replaceAll(stranger, "EMAIL");
    expect(a).toContain("The email address or password is not right.");
    expect(b).toBe(a);
  });

  it("sends anonymous visitors of the dashboard to login", async () => {
    const res = await client(app).get("/dashboard");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login?redirectTo=%2Fdashboard");
  });

  it("shows Log in in the header to visitors and Dashboard / Log out to organisers", async () => {
    const anonymous = await (await client(app).get("/")).text();
    expect(anonymous).toContain('href="/login"');
    expect(anonymous).not.toContain('action="/logout"');
    const c = await loggedIn(app, await createTestUser(db));
    const html = await (await c.get("/")).text();
    expect(html).toContain('href="/dashboard"');
    expect(html).toContain('action="/logout"');
  });
});

describe("session expiry", () => {
  it("ends a session idle for more than 7 days, and any session after 30 days", async () => {
    const user = await createTestUser(db);
    const idle = await loggedIn(app, user);
    const idleHash = hashToken(sessionToken(idle.cookie));
    await db.updateTable("sessions").set({ last_seen_at: sql`now() - interval '7 days 1 minute'` }).where("id_hash", "=", idleHash).execute();
    expect((await idle.get("/dashboard")).status).toBe(302);

    const old = await loggedIn(app, user);
    const oldHash = hashToken(sessionToken(old.cookie));
    // Seen a moment ago, but created 30 days ago: the absolute limit still applies.
    await db.updateTable("sessions").set({ expires_at: sql`now() - interval '1 second'` }).where("id_hash", "=", oldHash).execute();
    expect((await old.get("/dashboard")).status).toBe(302);

    const fresh = await loggedIn(app, user);
    const freshHash = hashToken(sessionToken(fresh.cookie));
    // Logging in cleared the user's dead sessions.
    const left = await db.selectFrom("sessions").select("id_hash").where("user_id", "=", user.id).execute();
    expect(left.map((r) => r.id_hash)).toEqual([freshHash]);
    const row = await db.selectFrom("sessions").selectAll().where("id_hash", "=", freshHash).executeTakeFirstOrThrow();
    const lifetime = new Date(row.expires_at).getTime() - new Date(row.created_at).getTime();
    expect(lifetime).toBe(30 * 86_400_000);
  });

  it("refreshes last-seen on use, at most once a minute", async () => {
    const c = await loggedIn(app, await createTestUser(db));
    const idHash = hashToken(sessionToken(c.cookie));
    const seen = async () => (await db.selectFrom("sessions").select("last_seen_at").where("id_hash", "=", idHash).executeTakeFirstOrThrow()).last_seen_at.getTime();
    const atLogin = await seen();
    await c.get("/dashboard");
    expect(await seen()).toBe(atLogin);
    await db.updateTable("sessions").set({ last_seen_at: sql`now() - interval '2 minutes'` }).where("id_hash", "=", idHash).execute();
    const backdated = await seen();
    await c.get("/dashboard");
    expect(await seen()).toBeGreaterThan(backdated + 60_000);
  });
});

describe("production cookies", () => {
  it("uses the __Host- prefix and Secure in production", async () => {
    const prod = await startTestApp(db, { ...PRODUCTION_ENV, TRUST_PROXY: "1" });
    try {
      const user = await createTestUser(db);
      const c = client(prod);
      const res = await c.post("/login", { email: user.email, password: user.password });
      expect(res.status).toBe(303);
      expect(res.headers.get("set-cookie")).toMatch(/^__Host-tomoni_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=2592000; HttpOnly; SameSite=Lax; Secure$/);
      expect((await c.get("/dashboard")).status).toBe(200);
      // The unprefixed name means nothing in production.
      expect((await client(prod, { cookie: c.cookie!.replace("__Host-", "") }).get("/dashboard")).status).toBe(302);
    } finally {
      await prod.close();
    }
  });
});

describe("password reset", () => {
  const resetEmails = (to: string) =>
    db.selectFrom("outbox_emails").selectAll().where("kind", "=", "password-reset").where("recipient", "=", to).execute();

  it("emails a single-use link through the outbox; the new password works, the old one and old sessions do not", async () => {
    const user = await createTestUser(db);
    const elsewhere = await loggedIn(app, user);

    const c = client(app);
    const res = await c.post("/forgot-password", { email: user.email.toUpperCase() });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Check your email");

    const [email] = await resetEmails(user.email);
    expect(email).toBeDefined();
    expect(email!.transactional).toBe(true);
    expect(email!.locale).toBe("en");
    const resetUrl = String(email!.props.resetUrl);
    expect(resetUrl).toMatch(new RegExp(`^${app.env.APP_URL}/reset-password/[A-Za-z0-9_-]{43}$`));
    expect(email!.props.expiresInMinutes).toBe(60);
    const path = new URL(resetUrl).pathname;
    // Only the hash of the token is in password_resets.
    const token = path.split("/").pop()!;
    const row = await db.selectFrom("password_resets").selectAll().where("user_id", "=", user.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashToken(token));
    expect(new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()).toBeCloseTo(3_600_000, -4);

    const form = await c.get(path);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain("Choose a new password");

    const short = await c.post(path, { password: "short" });
    expect(short.status).toBe(400);
    expect(await short.text()).toContain("Use at least 8 characters.");

    const done = await c.post(path, { password: "a brand new passphrase" });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/dashboard?notice=password-reset");
    expect(c.cookie).toBeDefined();
    expect(await (await c.get("/dashboard?notice=password-reset")).text()).toContain("Your password has been changed.");

    // Sessions from before the reset are over.
    expect((await elsewhere.get("/dashboard")).status).toBe(302);
    expect((await client(app).post("/login", { email: user.email, password: user.password })).status).toBe(400);
    expect((await client(app).post("/login", { email: user.email, password: "a brand new passphrase" })).status).toBe(303);

    // Single use.
    const again = await client(app).get(path);
    expect(again.status).toBe(404);
    expect(await again.text()).toContain("This link does not work any more");
    const reuse = await client(app).post(path, { password: "yet another passphrase" });
    expect(reuse.status).toBe(404);
    expect(reuse.headers.get("set-cookie")).toBeNull();
    expect((await client(app).post("/login", { email: user.email, password: "yet another passphrase" })).status).toBe(400);
  });

  it("answers an unknown address exactly as a known one, and sends nothing", async () => {
    const user = await createTestUser(db);
    const stranger = `nobody-${user.id}@example.org`;
    const known = await client(app).post("/forgot-password", { email: user.email });
    const unknown = await client(app).post("/forgot-password", { email: stranger });
    expect(unknown.status).toBe(known.status);
    expect(stableHtml(await unknown.text()).replaceAll(stranger, "EMAIL")).toBe(stableHtml(await known.text()).replaceAll(user.email, "EMAIL"));
    expect(await resetEmails(stranger)).toEqual([]);
  });

  it("refuses an expired link", async () => {
    const user = await createTestUser(db);
    await client(app).post("/forgot-password", { email: user.email });
    const [email] = await resetEmails(user.email);
    const path = new URL(String(email!.props.resetUrl)).pathname;
    await db.updateTable("password_resets").set({ expires_at: sql`now() - interval '1 second'` }).where("user_id", "=", user.id).execute();
    expect((await client(app).get(path)).status).toBe(404);
    const res = await client(app).post(path, { password: "a brand new passphrase" });
    expect(res.status).toBe(404);
    expect((await client(app).post("/login", { email: user.email, password: user.password })).status).toBe(303);
  });

  it("writes the email in the visitor's language", async () => {
    const user = await createTestUser(db);
    await client(app).post("/forgot-password", { email: user.email }, { "Accept-Language": "ja" });
    const [email] = await resetEmails(user.email);
    expect(email!.locale).toBe("ja");
  });

  it("validates the address", async () => {
    const res = await client(app).post("/forgot-password", { email: "" }, { "Accept-Language": "ja" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("入力してください。");
  });
});

describe("rate limits", () => {
  const attempt = (c: ReturnType<typeof client>, email: string, password = "wrong password!") => c.post("/login", { email, password });

  it(`refuses login attempt ${LIMITS.loginPerAccount.limit + 1} on one account from many addresses with a localised 429, whether or not it is registered`, async () => {
    const user = await createTestUser(db);
    for (const email of [user.email, `ghost-${user.id}@example.org`]) {
      for (let i = 0; i < LIMITS.loginPerAccount.limit; i++) expect((await attempt(client(app), email)).status).toBe(400);
      const refused = await attempt(client(app), email, user.password);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(LIMITS.loginPerAccount.windowSeconds);
      expect(refused.headers.get("set-cookie")).toBeNull();
      expect(await refused.text()).toContain("Too many attempts.");
      const jaText = await (await client(app).post("/login", { email, password: "x" }, { "Accept-Language": "ja" })).text();
      expect(jaText).toContain("試行回数が多すぎます。");
    }
    // The next window lets the real user in again (the window is moved into the past rather than waited for).
    await db.updateTable("rate_limit_hits").set({ window_start: sql`window_start - interval '1 day'` }).where("bucket", "like", "login:account:%").execute();
    expect((await attempt(client(app), user.email, user.password)).status).toBe(303);
  });

  it(`refuses login attempt ${LIMITS.loginPerIp.limit + 1} from one address across many accounts, counted across two app instances`, async () => {
    // A second process on the same database: its own connection pool on PostgreSQL.
    const otherDb = database.url ? createDatabase({ url: database.url, poolSize: 2 }) : db;
    const other = await startTestApp(otherDb, { TRUST_PROXY: "1" });
    try {
      const ip = "203.0.113.77";
      for (let i = 0; i < LIMITS.loginPerIp.limit; i++) {
        const res = await attempt(client(i % 2 === 0 ? app : other, { ip }), `someone-${i}@example.org`);
        expect(res.status).toBe(400);
      }
      const user = await createTestUser(db);
      expect((await attempt(client(app, { ip }), user.email, user.password)).status).toBe(429);
      expect((await attempt(client(other, { ip }), user.email, user.password)).status).toBe(429);
      // Another address is not affected.
      expect((await attempt(client(other), user.email, user.password)).status).toBe(303);
      // Next window.
      await db.updateTable("rate_limit_hits").set({ window_start: sql`window_start - interval '1 day'` }).where("bucket", "=", `login:ip:${ip}`).execute();
      expect((await attempt(client(other, { ip }), user.email, user.password)).status).toBe(303);
    } finally {
      await other.close();
      if (otherDb !== db) await otherDb.destroy();
    }
  });

  it("ignores X-Forwarded-For unless TRUST_PROXY is on", async () => {
    const direct = await startTestApp(db);
    try {
      for (let i = 0; i < LIMITS.loginPerIp.limit; i++) await attempt(client(direct), `direct-${i}@example.org`);
      // Every request above came from 127.0.0.1, whatever X-Forwarded-For said.
      expect((await attempt(client(direct), "direct-last@example.org")).status).toBe(429);
    } finally {
      await direct.close();
      await db.deleteFrom("rate_limit_hits").where("bucket", "like", "login:ip:127.0.0.1").execute();
    }
  });

  it(`limits reset emails to ${LIMITS.resetPerAccount.limit} per account per window`, async () => {
    const user = await createTestUser(db);
    for (let i = 0; i < LIMITS.resetPerAccount.limit; i++) expect((await client(app).post("/forgot-password", { email: user.email })).status).toBe(200);
    const refused = await client(app).post("/forgot-password", { email: user.email }, { "Accept-Language": "ja" });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.text()).toContain("試行回数が多すぎます。");
    expect(await db.selectFrom("outbox_emails").select("id").where("recipient", "=", user.email).execute()).toHaveLength(LIMITS.resetPerAccount.limit);
  });

  it("does not count a login that failed validation", async () => {
    const c = client(app);
    const res = await c.post("/login", { email: "", password: "" });
    expect(res.status).toBe(400);
    const rows = await db.selectFrom("rate_limit_hits").select("bucket").where("bucket", "=", `login:ip:${c.ip}`).execute();
    expect(rows).toEqual([]);
  });
});

