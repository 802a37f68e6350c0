import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "~/auth/tokens.server";
import type { Database } from "~/db.server";
import { client, createTestOrganisation, createTestUser, loggedIn, type Client } from "../support/accounts";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
let db: Database;
let app: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  app = await startTestApp(db, { TRUST_PROXY: "1" });
});
afterAll(async () => {
  await app?.close();
  await database?.destroy();
});

const membersOf = (organisationId: number) =>
  db.selectFrom("organisation_members").select(["user_id", "role"]).where("organisation_id", "=", organisationId).orderBy("user_id").execute();

const validOrganisation = {
  name: "Osaka Night Kitchen",
  slug: "",
  summary: "Hot meals twice a week.",
  region: "Osaka",
  website: "https://kitchen.example.org",
  contactEmail: "hello@kitchen.example.org",
  about: "We cook **together**.",
};

async function ownerWithOrganisation() {
  const owner = await createTestUser(db);
  const organisation = await createTestOrganisation(db, [{ userId: owner.id, role: "owner" }]);
  return { owner, organisation, ownerClient: await loggedIn(app, owner) };
}

describe("creating an organisation", () => {
  it("creates it with the creator as owner, a slug from the name, and goes to its dashboard", async () => {
    const user = await createTestUser(db);
    const c = await loggedIn(app, user);
    expect((await c.get("/dashboard/new-organisation")).status).toBe(200);
    const res = await c.post("/dashboard/new-organisation", validOrganisation);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/dashboard/osaka-night-kitchen");
    const organisation = await db.selectFrom("organisations").selectAll().where("slug", "=", "osaka-night-kitchen").executeTakeFirstOrThrow();
    expect(organisation).toMatchObject({ name: "Osaka Night Kitchen", region: "Osaka", website: "https://kitchen.example.org", contact_email: "hello@kitchen.example.org" });
    expect(await membersOf(organisation.id)).toEqual([{ user_id: user.id, role: "owner" }]);
    const dashboard = await (await c.get("/dashboard")).text();
    expect(dashboard).toContain("Osaka Night Kitchen");
    expect(dashboard).toContain('href="/dashboard/osaka-night-kitchen"');
  });

  it.each([
    ["大阪市北区梅田1丁目", "street block (丁目)"],
    ["〒530-0001 大阪市", "postcode with 〒"],
    ["530-0001", "bare postcode"],
    ["名古屋市中区栄３−５−１２", "full-width block number"],
    ["2-chome, Kita-ku", "romanised chōme"],
    ["12 Canal Street, Manchester", "street number and name"],
  ])("refuses a region that looks like an address: %s (%s)", async (region) => {
    const c = await loggedIn(app, await createTestUser(db));
    const res = await c.post("/dashboard/new-organisation", { ...validOrganisation, name: "Address test", region }, { "Accept-Language": "ja" });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("番地・丁目・郵便番号は、支援している人の居場所を知られるおそれがあります。");
    expect(html).toContain('aria-describedby="region-hint region-error"');
    expect(await db.selectFrom("organisations").select("id").where("name", "=", "Address test").execute()).toEqual([]);
  });

  it("accepts cities and regions", async () => {
    const c = await loggedIn(app, await createTestUser(db));
    for (const [index, region] of ["愛知県名古屋市", "Kita-ku, Osaka", "Tokyo 23 wards", "Sendai"].entries()) {
      const res = await c.post("/dashboard/new-organisation", { ...validOrganisation, slug: `region-ok-${index}`, region });
      expect(res.status).toBe(303);
    }
  });

  it("says which fields are wrong, keeps the typed values, and creates nothing", async () => {
    const c = await loggedIn(app, await createTestUser(db));
    const res = await c.post("/dashboard/new-organisation", {
      ...validOrganisation,
      name: "Keep <me>",
      slug: "Bad Slug!",
      website: "javascript:alert(1)",
      contactEmail: "nope",
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("Use only lowercase letters a–z, digits and hyphens");
    expect(html).toContain("Enter a web address starting with http:// or https://.");
    expect(html).toContain("Enter an email address like name@example.org.");
    expect(html).toContain('value="Keep &lt;me&gt;"');
    expect(html).toContain('href="#slug"');
    expect(await db.selectFrom("organisations").select("id").where("name", "=", "Keep <me>").execute()).toEqual([]);
  });

  it("refuses a taken or reserved slug, and a name with no letters to make one from", async () => {
    const { organisation } = await ownerWithOrganisation();
    const c = await loggedIn(app, await createTestUser(db));
    const taken = await c.post("/dashboard/new-organisation", { ...validOrganisation, slug: organisation.slug });
    expect(taken.status).toBe(400);
    expect(await taken.text()).toContain("Another organisation already uses this web address.");
    const reserved = await c.post("/dashboard/new-organisation", { ...validOrganisation, slug: "new-organisation" });
    expect(reserved.status).toBe(400);
    const japanese = await c.post("/dashboard/new-organisation", { ...validOrganisation, name: "ひなたの会", slug: "" });
    expect(japanese.status).toBe(400);
    expect(await japanese.text()).toContain("Choose a web address");
  });

  it("sends anonymous visitors to log in", async () => {
    const res = await client(app).post("/dashboard/new-organisation", validOrganisation);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login?redirectTo=%2Fdashboard%2Fnew-organisation");
  });
});

describe("settings", () => {
  it("lets a member edit the organisation, including its slug", async () => {
    const { organisation, ownerClient } = await ownerWithOrganisation();
    const page = await ownerClient.get(`/dashboard/${organisation.slug}/settings`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`value="${organisation.name}"`);
    expect(html).toContain(`href="/dashboard/${organisation.slug}"`);
    const newSlug = `${organisation.slug}-renamed`;
    const res = await ownerClient.post(`/dashboard/${organisation.slug}/settings`, { ...validOrganisation, name: "Renamed", slug: newSlug });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/dashboard/${newSlug}/settings?saved`);
    const row = await db.selectFrom("organisations").selectAll().where("id", "=", organisation.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: "Renamed", slug: newSlug, about: "We cook **together**." });
    expect(await (await ownerClient.get(`/dashboard/${newSlug}/settings?saved`)).text()).toContain("Saved.");
  });

  it("refuses another organisation's slug when renaming", async () => {
    const { organisation, ownerClient } = await ownerWithOrganisation();
    const other = await createTestOrganisation(db, []);
    const res = await ownerClient.post(`/dashboard/${organisation.slug}/settings`, { ...validOrganisation, slug: other.slug });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Another organisation already uses this web address.");
  });
});

describe("privacy of organisation pages", () => {
  it("answers 404 to non-members on every page and action, and changes nothing", async () => {
    const { organisation } = await ownerWithOrganisation();
    const outsider = await loggedIn(app, await createTestUser(db));
    for (const path of ["settings", "members"]) {
      const res = await outsider.get(`/dashboard/${organisation.slug}/${path}`, { "Accept-Language": "ja" });
      expect(res.status).toBe(404);
      expect(await res.text()).toContain("ページが見つかりません");
    }
    expect((await outsider.post(`/dashboard/${organisation.slug}/settings`, { ...validOrganisation, name: "Hijacked" })).status).toBe(404);
    expect((await outsider.post(`/dashboard/${organisation.slug}/members`, { intent: "invite", email: "x@example.org", role: "owner" })).status).toBe(404);
    const row = await db.selectFrom("organisations").select("name").where("id", "=", organisation.id).executeTakeFirstOrThrow();
    expect(row.name).toBe(organisation.name);
    expect(await db.selectFrom("invitations").select("email").where("organisation_id", "=", organisation.id).execute()).toEqual([]);
  });

  it("answers an unknown organisation exactly like one the visitor is not a member of", async () => {
    const { organisation } = await ownerWithOrganisation();
    const outsider = await loggedIn(app, await createTestUser(db));
    const existing = await outsider.get(`/dashboard/${organisation.slug}/settings`);
    const missing = await outsider.get(`/dashboard/no-such-organisation/settings`);
    expect(missing.status).toBe(existing.status);
  });

  it("sends visitors who are not logged in to log in, without saying whether the organisation exists", async () => {
    const { organisation } = await ownerWithOrganisation();
    const res = await client(app).get(`/dashboard/${organisation.slug}/members`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/login?redirectTo=${encodeURIComponent(`/dashboard/${organisation.slug}/members`)}`);
    expect((await client(app).get(`/dashboard/no-such-organisation/members`)).status).toBe(302);
  });
});

describe("members", () => {
  async function teamOfThree() {
    const owner = await createTestUser(db);
    const organiser = await createTestUser(db);
    const other = await createTestUser(db);
    const organisation = await createTestOrganisation(db, [
      { userId: owner.id, role: "owner" },
      { userId: organiser.id, role: "organiser" },
      { userId: other.id, role: "organiser" },
    ]);
    return { owner, organiser, other, organisation };
  }

  it("lists members to every member; only owners see the invite form", async () => {
    const { owner, organiser, organisation } = await teamOfThree();
    const asOwner = await (await (await loggedIn(app, owner)).get(`/dashboard/${organisation.slug}/members`)).text();
    expect(asOwner).toContain(organiser.email);
    expect(asOwner).toContain('name="intent" value="invite"');
    const asOrganiser = await (await (await loggedIn(app, organiser)).get(`/dashboard/${organisation.slug}/members`)).text();
    expect(asOrganiser).toContain(owner.email);
    expect(asOrganiser).not.toContain('value="invite"');
    expect(asOrganiser).toContain("Only owners can invite or remove members.");
  });

  it("lets an owner remove an organiser, but not an organiser remove anyone else", async () => {
    const { owner, organiser, other, organisation } = await teamOfThree();
    const asOrganiser = await loggedIn(app, organiser);
    const refused = await asOrganiser.post(`/dashboard/${organisation.slug}/members`, { intent: "remove", userId: String(other.id) });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("Only owners of this organisation can do that.");
    const refusedOwner = await asOrganiser.post(`/dashboard/${organisation.slug}/members`, { intent: "remove", userId: String(owner.id) });
    expect(refusedOwner.status).toBe(403);
    expect(await membersOf(organisation.id)).toHaveLength(3);

    const asOwner = await loggedIn(app, owner);
    const removed = await asOwner.post(`/dashboard/${organisation.slug}/members`, { intent: "remove", userId: String(other.id) });
    expect(removed.status).toBe(303);
    expect(removed.headers.get("location")).toBe(`/dashboard/${organisation.slug}/members?notice=removed`);
    expect((await membersOf(organisation.id)).map((m) => m.user_id)).not.toContain(other.id);
    // The removed member loses access at once.
    expect((await (await loggedIn(app, other)).get(`/dashboard/${organisation.slug}/settings`)).status).toBe(404);
  });

  it("lets an organiser leave", async () => {
    const { organiser, organisation } = await teamOfThree();
    const c = await loggedIn(app, organiser);
    const res = await c.post(`/dashboard/${organisation.slug}/members`, { intent: "remove", userId: String(organiser.id) });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/dashboard?notice=left");
    expect((await membersOf(organisation.id)).map((m) => m.user_id)).not.toContain(organiser.id);
  });

  it("never removes the last owner", async () => {
    const { owner, organisation } = await teamOfThree();
    const c = await loggedIn(app, owner);
    const res = await c.post(`/dashboard/${organisation.slug}/members`, { intent: "remove", userId: String(owner.id) }, { "Accept-Language": "ja" });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("団体には少なくとも 1 人のオーナーが必要です。");
    expect(await membersOf(organisation.id)).toContainEqual({ user_id: owner.id, role: "owner" });
  });
});

describe("invitations", () => {
  async function invite(ownerClient: Client, slug: string, email: string, role = "organiser") {
    const res = await ownerClient.post(`/dashboard/${slug}/members`, { intent: "invite", email, role });
    expect(res.status).toBe(303);
    const row = await db
      .selectFrom("outbox_emails")
      .selectAll()
      .where("kind", "=", "invitation")
      .where("recipient", "=", email)
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    return { row, path: new URL(String(row.props.acceptUrl)).pathname };
  }

  it("emails a link through the outbox; the invitee signs up with the address and joins", async () => {
    const { organisation, ownerClient } = await ownerWithOrganisation();
    const email = `invitee-${organisation.id}@example.org`;
    const { row, path } = await invite(ownerClient, organisation.slug, email);
    expect(row.transactional).toBe(true);
    expect(row.props).toMatchObject({ organisationName: organisation.name, role: "organiser", expiresInDays: 7 });
    expect(path).toMatch(/^\/invitations\/[A-Za-z0-9_-]{43}$/);
    const stored = await db.selectFrom("invitations").selectAll().where("organisation_id", "=", organisation.id).executeTakeFirstOrThrow();
    expect(stored.token_hash).toBe(hashToken(path.split("/").pop()!));
    expect(new Date(stored.expires_at).getTime() - new Date(stored.created_at).getTime()).toBeCloseTo(7 * 86_400_000, -4);
    expect(await (await ownerClient.get(`/dashboard/${organisation.slug}/members`)).text()).toContain(email);

    const invitee = client(app);
    const landing = await invitee.get(path);
    expect(landing.status).toBe(200);
    const html = await landing.text();
    expect(html).toContain(`Invitation to join ${organisation.name}`);
    const signupHref = `/signup?${new URLSearchParams({ redirectTo: path, email })}`.replaceAll("&", "&amp;");
    expect(html).toContain(`href="${signupHref}"`);

    const signup = await invitee.post("/signup", { email, password: "invitee passphrase", redirectTo: path });
    expect(signup.status).toBe(303);
    expect(signup.headers.get("location")).toBe(path);
    expect(await (await invitee.get(path)).text()).toContain("Accept and join");
    const accepted = await invitee.post(path, {});
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get("location")).toBe(`/dashboard/${organisation.slug}`);
    const user = await db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow();
    expect(await membersOf(organisation.id)).toContainEqual({ user_id: user.id, role: "organiser" });

    // Single use: a second acceptance, by anyone, is refused.
    const again = await invitee.post(path, {});
    expect(again.status).toBe(410);
    expect(await again.text()).toContain("This invitation has already been used");
    expect((await client(app).get(path)).status).toBe(410);
  });

  it("refuses a logged-in user with another address, and leaves the invitation usable", async () => {
    const { organisation, ownerClient } = await ownerWithOrganisation();
    const email = `right-${organisation.id}@example.org`;
    const { path } = await invite(ownerClient, organisation.slug, email, "owner");
    const wrongUser = await createTestUser(db);
    const wrong = await loggedIn(app, wrongUser);
    const page = await wrong.get(path);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`but this invitation is for ${email}`);
    const res = await wrong.post(path, {});
    expect(res.status).toBe(403);
    expect((await membersOf(organisation.id)).map((m) => m.user_id)).not.toContain(wrongUser.id);

    const right = await createTestUser(db, { email: email.toUpperCase() });
    const ok = await (await loggedIn(app, right)).post(path, {});
    expect(ok.status).toBe(303);
    expect(await membersOf(organisation.id)).toContainEqual({ user_id: right.id, role: "owner" });
  });

  it("refuses an expired invitation", async () => {
    const { organisation, ownerClient } = await ownerWithOrganisation();
    const invitee = await createTestUser(db);
    const { path } = await invite(ownerClient, organisation.slug, invitee.email);
    await db.updateTable("invitations").set({ expires_at: sql`now() - interval '1 second'` }).where("organisation_id", "=", organisation.id).execute();
    const c = await loggedIn(app, invitee);
    const page = await c.get(path, { "Accept-Language": "ja" });
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("この招待は期限切れです");
    expect((await c.post(path, {})).status).toBe(410);
    expect((await membersOf(organisation.id)).map((m) => m.user_id)).not.toContain(invitee.id);
  });

  it("answers an unknown or malformed token with 404", async () => {
    expect((await client(app).get(`/invitations/${"A".repeat(43)}`)).status).toBe(404);
    expect((await client(app).get("/invitations/short")).status).toBe(404);
  });

  it("sends anonymous visitors who try to accept to log in first", async () => {
    const { organisation, ownerClient } = await ownerWithOrganisation();
    const { path } = await invite(ownerClient, organisation.slug, `later-${organisation.id}@example.org`);
    const res = await client(app).post(path, {});
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/login?redirectTo=${encodeURIComponent(path)}`);
  });

  it("withdraws an earlier invitation to the same address, and lets owners revoke", async () => {
    const { organisation, ownerClient } = await ownerWithOrganisation();
    const email = `twice-${organisation.id}@example.org`;
    const first = await invite(ownerClient, organisation.slug, email);
    const second = await invite(ownerClient, organisation.slug, email);
    expect((await client(app).get(first.path)).status).toBe(404);
    expect((await client(app).get(second.path)).status).toBe(200);
    const tokenHash = hashToken(second.path.split("/").pop()!);
    const revoked = await ownerClient.post(`/dashboard/${organisation.slug}/members`, { intent: "revoke", invitation: tokenHash });
    expect(revoked.status).toBe(303);
    expect((await client(app).get(second.path)).status).toBe(404);
  });

  it("refuses invitations from organisers, to existing members, and with bad input", async () => {
    const { owner, organisation, ownerClient } = await ownerWithOrganisation();
    const organiser = await createTestUser(db);
    await db.insertInto("organisation_members").values({ organisation_id: organisation.id, user_id: organiser.id, role: "organiser" }).execute();
    const asOrganiser = await loggedIn(app, organiser);
    expect((await asOrganiser.post(`/dashboard/${organisation.slug}/members`, { intent: "invite", email: "a@example.org", role: "owner" })).status).toBe(403);

    const existing = await ownerClient.post(`/dashboard/${organisation.slug}/members`, { intent: "invite", email: owner.email.toUpperCase(), role: "owner" });
    expect(existing.status).toBe(400);
    expect(await existing.text()).toContain("This person is already a member.");

    const bad = await ownerClient.post(`/dashboard/${organisation.slug}/members`, { intent: "invite", email: "bad", role: "admin" }, { "Accept-Language": "ja" });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain("役割を選んでください。");
    expect(html).toContain('value="bad"');
    expect(await db.selectFrom("invitations").select("email").where("organisation_id", "=", organisation.id).execute()).toEqual([]);
  });
});
