import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, inject, test } from "vitest";
import { openPglite } from "@/lib/db/pglite";
import { TestClient } from "../support/client";
import { startKiln } from "../support/kiln-server";

const post = (client: TestClient, path: string, json: unknown) =>
  client.fetch(path, { method: "POST", json });

describe.each(inject("backends"))("accounts on $name", ({ url }) => {
  test("sign-up over plain http sets a hardened session cookie without Secure; later accounts are not admins", async () => {
    const first = new TestClient(url);
    const response = await post(first, "/api/auth/signup", {
      email: `  Mixed-${randomUUID()}@Example.TEST `,
      password: "long enough pw",
    });
    expect(response.status).toBe(201);
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith("kiln_session="))!;
    expect(cookie).toMatch(
      /^kiln_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Expires=[^;]+ GMT$/,
    );
    // A browser on a LAN install (production, plain http) keeps it, and it works.
    const me = await fetch(`${url}/api/auth/me`, { headers: { cookie: cookie.split(";")[0]! } });
    expect(me.status).toBe(200);
    const { user } = (await response.json()) as { user: { email: string; isAdmin: boolean } };
    expect(user.email).toMatch(/^mixed-.*@example\.test$/);

    const second = new TestClient(url);
    const { user: other } = await second.signUp();
    expect(other.isAdmin).toBe(false);
  });

  test("sign-up never says an email is taken: its own password signs the owner in, anything else gets one refusal", async () => {
    const email = `taken-${randomUUID()}@example.test`;
    const fresh = await post(new TestClient(url), "/api/auth/signup", {
      email,
      password: "the owner's password",
    });
    const { user } = (await fresh.json()) as { user: { id: string } };

    // The owner, who forgot having an account, gets what a new account gets: a session.
    const owner = new TestClient(url);
    const again = await post(owner, "/api/auth/signup", {
      email: email.toUpperCase(),
      password: "the owner's password",
    });
    expect(again.status).toBe(fresh.status);
    expect(await again.json()).toEqual({ user });
    const cookieNames = (r: Response) => r.headers.getSetCookie().map((c) => c.split("=")[0]);
    expect(cookieNames(again)).toEqual(cookieNames(fresh));
    expect((await owner.fetch("/api/auth/me")).status).toBe(200);

    // Anyone else gets a refusal that names no reason, and no session.
    const stranger = new TestClient(url);
    const refused = await post(stranger, "/api/auth/signup", {
      email,
      password: "another password",
    });
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as { message: string };
    expect(body).toEqual({
      error: true,
      message:
        "Could not create an account with this email and password. If you already have an account, sign in instead.",
    });
    expect(body.message).not.toMatch(/exists|taken|registered/i);
    expect(refused.headers.getSetCookie()).toEqual([]);
    expect((await stranger.fetch("/api/auth/me")).status).toBe(401);
  });

  test.each([
    [{ email: "not-an-email", password: "long enough pw" }, "email: must be a valid email address"],
    [{ email: "a@example.test", password: "short" }, "password: must be at least 8 characters"],
    [
      { email: "a@example.test", password: "x".repeat(257) },
      "password: must be at most 256 characters",
    ],
    [{ password: "long enough pw" }, "email: Invalid input: expected string, received undefined"],
    [{ email: "a@example.test" }, "password: Invalid input: expected string, received undefined"],
    [[], "body: Invalid input: expected object, received array"],
  ])("sign-up with bad input %j is refused naming the field", async (body, message) => {
    const response = await post(new TestClient(url), "/api/auth/signup", body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: true, message });
  });

  test.each([
    [{ email: "not-an-email", password: "x" }, "email: must be a valid email address"],
    [{ email: "a@example.test", password: "" }, "password: is required"],
    [{ email: "a@example.test" }, "password: Invalid input: expected string, received undefined"],
    [{ password: "whatever" }, "email: Invalid input: expected string, received undefined"],
    [null, "body: Invalid input: expected object, received null"],
  ])("log-in with bad input %j is refused naming the field", async (body, message) => {
    const response = await post(new TestClient(url), "/api/auth/login", body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: true, message });
  });

  test("log in, use the session, log out: the old cookie stops working", async () => {
    const { email, password, user } = await new TestClient(url).signUp();
    const browser = new TestClient(url);
    const login = await post(browser, "/api/auth/login", { email: email.toUpperCase(), password });
    expect(login.status).toBe(200);
    expect(await login.json()).toEqual({ user });
    const oldCookie = browser.cookie!;

    const me = await browser.fetch("/api/auth/me");
    expect(await me.json()).toEqual({ user, authenticatedVia: "session" });

    const logout = await post(browser, "/api/auth/logout", {});
    expect(logout.status).toBe(200);
    expect(logout.headers.getSetCookie()[0]).toMatch(
      /^kiln_session=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0/,
    );
    const after = await fetch(`${url}/api/auth/me`, { headers: { cookie: oldCookie } });
    expect(after.status).toBe(401);
  });

  test("a wrong password and an unknown email get the same answer", async () => {
    const { email } = await new TestClient(url).signUp();
    const wrong = await post(new TestClient(url), "/api/auth/login", {
      email,
      password: "not the password",
    });
    const unknown = await post(new TestClient(url), "/api/auth/login", {
      email: `nobody-${randomUUID()}@example.test`,
      password: "whatever pw",
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: true, message: "Invalid email or password" });
    expect(await unknown.json()).toEqual({ error: true, message: "Invalid email or password" });
  });

  test("/api/auth/me without credentials or with a bad key is 401", async () => {
    expect((await fetch(`${url}/api/auth/me`)).status).toBe(401);
    const bad = await fetch(`${url}/api/auth/me`, {
      headers: { authorization: "Bearer kiln_not-a-real-key" },
    });
    expect(bad.status).toBe(401);
    const forged = await fetch(`${url}/api/auth/me`, {
      headers: { cookie: "kiln_session=forged" },
    });
    expect(forged.status).toBe(401);
  });
});

describe.each(inject("backends"))(
  "sign-up, sign-in and sign-out from another site on $name",
  ({ url }) => {
    const foreign: [string, Record<string, string>][] = [
      ["a foreign Origin", { origin: "https://evil.example" }],
      ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
      ["Sec-Fetch-Site: same-site", { "sec-fetch-site": "same-site" }],
    ];
    const raw = (path: string, headers: Record<string, string>, json: unknown = {}) =>
      fetch(`${url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(json),
      });

    test.each(foreign)(
      "with %s: sign-in and sign-up are 403 and set no cookie",
      async (_, headers) => {
        const { email, password } = await new TestClient(url).signUp();
        const login = await raw("/api/auth/login", headers, { email, password });
        expect(login.status).toBe(403);
        expect(login.headers.getSetCookie()).toEqual([]);
        const signup = await raw("/api/auth/signup", headers, {
          email: `csrf-${randomUUID()}@example.test`,
          password: "long enough pw",
        });
        expect(signup.status).toBe(403);
        expect(await signup.json()).toEqual({
          error: true,
          message: "Cross-origin request refused: this action must come from Kiln's own pages",
        });
      },
    );

    test.each(foreign)("with %s: sign-out is 403 and the session goes on", async (_, headers) => {
      const browser = new TestClient(url);
      await browser.signUp();
      const logout = await raw("/api/auth/logout", { cookie: browser.cookie!, ...headers });
      expect(logout.status).toBe(403);
      expect(logout.headers.getSetCookie()).toEqual([]);
      expect((await browser.fetch("/api/auth/me")).status).toBe(200);
    });

    test("a script that sends neither Origin nor Sec-Fetch-Site (curl) signs up and in", async () => {
      const email = `script-${randomUUID()}@example.test`;
      const signup = await raw("/api/auth/signup", {}, { email, password: "long enough pw" });
      expect(signup.status).toBe(201);
      const login = await raw("/api/auth/login", {}, { email, password: "long enough pw" });
      expect(login.status).toBe(200);
      const session = login.headers.getSetCookie().find((c) => c.startsWith("kiln_session="))!;
      const me = await fetch(`${url}/api/auth/me`, { headers: { cookie: session.split(";")[0]! } });
      expect(me.status).toBe(200);
      // Signing out acts on the cookie: like every cookie mutation, it wants Kiln's own page.
      const logout = await raw("/api/auth/logout", { cookie: session.split(";")[0]! });
      expect(logout.status).toBe(403);
      const own = await raw("/api/auth/logout", { cookie: session.split(";")[0]!, origin: url });
      expect(own.status).toBe(200);
    });
  },
);

describe.each(inject("backends"))("same-origin rule on $name", ({ url }) => {
  const cases: [string, Record<string, string>][] = [
    ["no Origin and no Sec-Fetch-Site", { origin: "" }],
    ["a foreign Origin", { origin: "https://evil.example" }],
    ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
  ];

  test.each(cases)(
    "a cookie mutation with %s is refused and changes nothing",
    async (_, headers) => {
      const browser = new TestClient(url);
      await browser.signUp();
      const init = {
        method: "POST",
        body: JSON.stringify({ name: "csrf" }),
        headers: { "content-type": "application/json", cookie: browser.cookie!, ...headers },
      };
      if (headers.origin === "") delete (init.headers as Record<string, string>).origin;
      const response = await fetch(`${url}/api/v1/api-keys`, init);
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
      const list = (await (await browser.fetch("/api/v1/api-keys")).json()) as { data: unknown[] };
      expect(list.data).toEqual([]);
    },
  );

  test("API keys are not subject to it, but cannot manage keys", async () => {
    const browser = new TestClient(url);
    await browser.signUp();
    const { id, key } = await browser.createApiKey();
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const create = await fetch(`${url}/api/v1/api-keys`, {
      method: "POST",
      headers,
      body: '{"name":"x"}',
    });
    expect(create.status).toBe(403);
    const revoke = await fetch(`${url}/api/v1/api-keys/${id}`, { method: "DELETE", headers });
    expect(revoke.status).toBe(403);
    const list = await fetch(`${url}/api/v1/api-keys`, { headers });
    expect(list.status).toBe(200);
  });
});

describe("password hashes", () => {
  test("a hash made with older scrypt parameters (N=16384) is redone at the next sign-in", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "kiln-rehash-"));
    try {
      const before = await startKiln({ dataDir, env: { KILN_PASSWORD_SCRYPT_N: "16384" } });
      const { email, password } = await new TestClient(before.url).signUp();
      await before.stop();

      // Kiln's default: OWASP's N=2^17.
      const after = await startKiln({ dataDir, env: { KILN_PASSWORD_SCRYPT_N: undefined } });
      const login = await new TestClient(after.url).fetch("/api/auth/login", {
        method: "POST",
        json: { email, password },
      });
      expect(login.status).toBe(200);
      await after.stop();
      expect(await storedHash(dataDir, email)).toMatch(/^scrypt\$131072\$8\$1\$/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

async function storedHash(dataDir: string, email: string): Promise<string | undefined> {
  const db = await openPglite(dataDir);
  try {
    const [row] = await db.query<{ password_hash: string }>(
      "select password_hash from users where email = $1",
      [email],
    );
    return row?.password_hash;
  } finally {
    await db.close();
  }
}
