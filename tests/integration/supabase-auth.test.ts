import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestClient } from "../support/client";
import { type FakeGithub, startFakeGithub } from "../support/fake-github";
import { type FakeSupabaseAuth, startFakeSupabaseAuth } from "../support/fake-supabase-auth";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { suiteEnv } from "./global-setup";

// Supabase Auth mode against a local fake of Supabase's Auth API, with locally signed tokens.

const password = "correct horse battery";
const email = () => `sb-${randomUUID()}@example.test`;
const post = (client: TestClient, path: string, json: unknown) =>
  client.fetch(path, { method: "POST", json });
/** The cookies that carry a Supabase session (possibly in chunks), not PKCE verifiers. */
const supabaseCookies = (response: Response) =>
  response.headers.getSetCookie().filter((c) => /^sb-[^=]+-auth-token(\.\d+)?=/.test(c));

async function startWithFake(options: Parameters<typeof startFakeSupabaseAuth>[0] = {}) {
  const fake = await startFakeSupabaseAuth(options);
  const kiln = await startKiln({
    env: {
      ...suiteEnv,
      NEXT_PUBLIC_SUPABASE_URL: fake.url,
      NEXT_PUBLIC_SUPABASE_ANON_KEY: fake.anonKey,
    },
  });
  return { fake, kiln };
}

describe("Supabase Auth mode (asymmetric keys)", () => {
  let fake: FakeSupabaseAuth;
  let kiln: KilnServer;
  beforeAll(async () => ({ fake, kiln } = await startWithFake()));
  afterAll(async () => {
    await kiln?.stop();
    await fake?.close();
  });

  test("sign-up goes through Supabase, sets HttpOnly Supabase cookies and maps a Kiln user", async () => {
    const browser = new TestClient(kiln.url);
    const address = email();
    const response = await post(browser, "/api/auth/signup", { email: address, password });
    expect(response.status).toBe(201);
    const { user } = (await response.json()) as { user: { id: string; isAdmin: boolean } };
    expect(user).toMatchObject({ email: address, isAdmin: true, tier: "free" });
    const cookies = supabaseCookies(response);
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie).toMatch(/HttpOnly/i);
    for (const cookie of cookies) expect(cookie).toMatch(/SameSite=Lax/i);
    expect(response.headers.getSetCookie().some((c) => c.startsWith("kiln_session="))).toBe(false);
    expect(fake.requests).toContain("POST /auth/v1/signup");

    const me = await browser.fetch("/api/auth/me");
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ user, authenticatedVia: "supabase" });

    const second = await post(new TestClient(kiln.url), "/api/auth/signup", {
      email: email(),
      password,
    });
    expect(((await second.json()) as { user: { isAdmin: boolean } }).user.isAdmin).toBe(false);
  });

  test("log in maps to the same Kiln user; a wrong password is 401; log out clears the cookies", async () => {
    const address = email();
    const signup = await post(new TestClient(kiln.url), "/api/auth/signup", {
      email: address,
      password,
    });
    const { user } = (await signup.json()) as { user: { id: string } };

    const wrong = await post(new TestClient(kiln.url), "/api/auth/login", {
      email: address,
      password: "not it",
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: true, message: "Invalid email or password" });

    const browser = new TestClient(kiln.url);
    const login = await post(browser, "/api/auth/login", { email: address, password });
    expect(login.status).toBe(200);
    expect(((await login.json()) as { user: { id: string } }).user.id).toBe(user.id);

    const page = await browser.fetch("/settings");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(address);

    const logout = await post(browser, "/api/auth/logout", {});
    expect(logout.status).toBe(200);
    expect(fake.requests).toContain("POST /auth/v1/logout");
    expect(supabaseCookies(logout).every((c) => /Max-Age=0/i.test(c))).toBe(true);
    // Only the known-device marker stays (it is no credential; see lib/auth/sign-in-throttle.ts).
    expect([...browser.jar.keys()]).toEqual(["kiln_device"]);
    expect((await browser.fetch("/api/auth/me")).status).toBe(401);
  });

  test("an access token is trusted only when Supabase's key signed it and it is current", async () => {
    const signup = await post(new TestClient(kiln.url), "/api/auth/signup", {
      email: email(),
      password,
    });
    const { user } = (await signup.json()) as { user: { id: string; email: string } };
    const me = (token: string) =>
      fetch(`${kiln.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });

    // Find the Supabase id of this user by signing in directly against the fake.
    const direct = await fetch(`${fake.url}/auth/v1/token?grant_type=password`, {
      method: "POST",
      headers: { apikey: fake.anonKey, "content-type": "application/json" },
      body: JSON.stringify({ email: user.email, password }),
    });
    const { access_token, user: supabaseUser } = (await direct.json()) as {
      access_token: string;
      user: { id: string };
    };
    const genuine = await me(access_token);
    expect(genuine.status).toBe(200);
    expect(await genuine.json()).toEqual({ user, authenticatedVia: "supabase" });

    const claims = { sub: supabaseUser.id, email: user.email };
    expect((await me(await fake.mintToken(claims, "stranger"))).status).toBe(401);
    expect((await me(await fake.mintToken({ ...claims, exp: 1_000_000 }))).status).toBe(401);
    expect((await me(await fake.mintToken({ ...claims, iss: "https://elsewhere" }))).status).toBe(
      401,
    );
    expect((await me(await fake.mintToken({ ...claims, aud: "anon" }))).status).toBe(401);
    expect((await me("not.a.jwt")).status).toBe(401);
  });

  test("a session near expiry is refreshed and the new cookies reach the browser", async () => {
    fake.options.accessTokenSeconds = 30; // inside supabase-js's refresh margin
    const address = email();
    const browser = new TestClient(kiln.url);
    await post(browser, "/api/auth/signup", { email: address, password });
    fake.options.accessTokenSeconds = 3600;
    const before = browser.cookie;
    const refreshes = () => fake.requests.filter((r) => r === "POST /auth/v1/token").length;
    const count = refreshes();

    const me = await browser.fetch("/api/auth/me");
    expect(me.status).toBe(200);
    expect(refreshes()).toBe(count + 1);
    expect(supabaseCookies(me).length).toBeGreaterThan(0);
    expect(me.headers.get("cache-control") ?? "").not.toMatch(/public/);
    expect(browser.cookie).not.toBe(before);
    // The refreshed session is good for an hour: no further refresh.
    expect((await browser.fetch("/api/auth/me")).status).toBe(200);
    expect(refreshes()).toBe(count + 1);
  });

  test("pages refresh an expiring session in the proxy before they render", async () => {
    fake.options.accessTokenSeconds = 30;
    const browser = new TestClient(kiln.url);
    const address = email();
    await post(browser, "/api/auth/signup", { email: address, password });
    fake.options.accessTokenSeconds = 3600;
    const page = await browser.fetch("/ide");
    expect(page.status).toBe(200);
    expect(supabaseCookies(page).length).toBeGreaterThan(0);
    expect(page.headers.get("cache-control")).toMatch(/no-store/);
  });

  test("email confirmation: sign-up says so and sign-in waits for it", async () => {
    fake.options.confirmEmail = true;
    const address = email();
    try {
      const browser = new TestClient(kiln.url);
      const signup = await post(browser, "/api/auth/signup", { email: address, password });
      expect(signup.status).toBe(201);
      const { user } = (await signup.clone().json()) as { user: unknown };
      expect(await signup.json()).toMatchObject({
        user: { email: address },
        confirmationRequired: true,
      });
      expect(supabaseCookies(signup)).toEqual([]);
      const login = await post(new TestClient(kiln.url), "/api/auth/login", {
        email: address,
        password,
      });
      expect(login.status).toBe(403);
      expect(await login.json()).toEqual({
        error: true,
        message: "Confirm your email address, then sign in",
      });

      // The link in the email comes back to Kiln with a code; the browser that signed up
      // (it holds the PKCE verifier) leaves with a session.
      const link = fake.confirm(address);
      expect(link).toMatch(new RegExp(`^${kiln.url}/auth/callback\\?next=%2Fide&code=`));
      const callback = await browser.fetch(link.replace(kiln.url, ""));
      expect(callback.status).toBe(303);
      expect(callback.headers.get("location")).toBe("/ide");
      expect(supabaseCookies(callback).length).toBeGreaterThan(0);
      const me = (await (await browser.fetch("/api/auth/me")).json()) as { user: unknown };
      expect(me.user).toEqual(user);

      // A stranger's browser (no verifier) or a used code gets the login page, not a session.
      const replay = await new TestClient(kiln.url).fetch(link.replace(kiln.url, ""));
      expect(replay.status).toBe(303);
      expect(replay.headers.get("location")).toBe("/login?error=link");
    } finally {
      fake.options.confirmEmail = false;
    }
  });

  test("Supabase refusals and outages become clear 4xx and 503, never a 500", async () => {
    const address = email();
    await post(new TestClient(kiln.url), "/api/auth/signup", { email: address, password });
    const again = await post(new TestClient(kiln.url), "/api/auth/signup", {
      email: address,
      password,
    });
    expect(again.status).toBe(409);

    fake.options.down = true;
    try {
      const login = await post(new TestClient(kiln.url), "/api/auth/login", {
        email: address,
        password,
      });
      expect(login.status).toBe(503);
      const body = (await login.json()) as { message: string };
      expect(body.message).toMatch(/^Supabase Auth could not be reached/);
      expect(body.message).not.toContain(fake.anonKey);
    } finally {
      fake.options.down = false;
    }
  });
});

describe("Supabase Auth mode (legacy shared secret)", () => {
  let fake: FakeSupabaseAuth;
  let kiln: KilnServer;
  beforeAll(async () => ({ fake, kiln } = await startWithFake({ symmetric: true })));
  afterAll(async () => {
    await kiln?.stop();
    await fake?.close();
  });

  test("HS256 tokens are checked by asking Supabase for the user", async () => {
    const browser = new TestClient(kiln.url);
    const signup = await post(browser, "/api/auth/signup", { email: email(), password });
    expect(signup.status).toBe(201);
    const before = fake.requests.filter((r) => r === "GET /auth/v1/user").length;
    const me = await browser.fetch("/api/auth/me");
    expect(me.status).toBe(200);
    expect(fake.requests.filter((r) => r === "GET /auth/v1/user").length).toBe(before + 1);
    const forged = await fake.mintToken({ sub: randomUUID(), email: email() }, "stranger");
    const response = await fetch(`${kiln.url}/api/auth/me`, {
      headers: { authorization: `Bearer ${forged}` },
    });
    expect(response.status).toBe(401);
  });
});

describe("Sign in with GitHub through Supabase", () => {
  let fake: FakeSupabaseAuth;
  let github: FakeGithub;
  let kiln: KilnServer;
  const githubToken = "gho_signInToken0123456789abcdef";
  beforeAll(async () => {
    github = await startFakeGithub();
    github.addUser({ login: "octo-signin", name: "Octo", repos: [{ name: "site" }] });
    github.addToken(githubToken, "octo-signin");
    fake = await startFakeSupabaseAuth({
      github: { login: "octo-signin", email: "octo@example.test", token: githubToken },
    });
    kiln = await startKiln({
      env: {
        ...suiteEnv,
        NEXT_PUBLIC_SUPABASE_URL: fake.url,
        NEXT_PUBLIC_SUPABASE_ANON_KEY: fake.anonKey,
        GITHUB_API_URL: github.url,
      },
    });
  });
  afterAll(async () => {
    await kiln?.stop();
    await fake?.close();
    await github?.close();
  });

  /** The browser's round trip: Kiln, Supabase (GitHub's consent), back to Kiln's callback. */
  async function signInWithGithub(browser: TestClient, next = "/workspace") {
    const start = await browser.fetch(`/auth/github?next=${encodeURIComponent(next)}`);
    expect(start.status).toBe(303);
    const authorize = new URL(start.headers.get("location") ?? "");
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${fake.url}/auth/v1/authorize`);
    expect(authorize.searchParams.get("provider")).toBe("github");
    expect(authorize.searchParams.get("scopes")).toBe("repo read:org");
    expect(authorize.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get("redirect_to")).toBe(
      `${kiln.url}/auth/callback?next=${encodeURIComponent(next)}`,
    );
    const consent = await fetch(authorize, { redirect: "manual" });
    expect(consent.status).toBe(302);
    const back = consent.headers.get("location") ?? "";
    expect(back.startsWith(`${kiln.url}/auth/callback?`)).toBe(true);
    return browser.fetch(back.replace(kiln.url, ""));
  }

  test("the login page offers GitHub; signing in connects GitHub with the token Supabase hands over", {
    timeout: 90_000,
  }, async () => {
    const page = await (await fetch(`${kiln.url}/login`)).text();
    expect(page).toContain("Continue with GitHub");
    const browser = new TestClient(kiln.url);
    const callback = await signInWithGithub(browser);
    expect(callback.status).toBe(303);
    expect(callback.headers.get("location")).toBe("/workspace");
    expect(supabaseCookies(callback).length).toBeGreaterThan(0);
    const me = (await (await browser.fetch("/api/auth/me")).json()) as { user: { email: string } };
    expect(me.user.email).toBe("octo@example.test");

    const connection = await (await browser.fetch("/api/settings/github")).json();
    expect(connection).toMatchObject({ connected: true, source: "sign-in", login: "octo-signin" });
    // The token works for GitHub calls, and never comes back out.
    const user = await browser.fetch("/api/github/user");
    expect(user.status).toBe(200);
    expect(await user.json()).toMatchObject({ login: "octo-signin" });
    expect(JSON.stringify(connection)).not.toContain(githubToken);
    expect(github.requests.at(-1)?.authorization).toBe(`token ${githubToken}`);
  });

  test("a token saved in Settings is not replaced by a later GitHub sign-in", {
    timeout: 90_000,
  }, async () => {
    const pat = "ghp_savedInSettings0123456789abcd";
    github.addUser({ login: "octo-pat" });
    github.addToken(pat, "octo-pat");
    fake.options.github = { login: "octo-signin", email: "pat@example.test", token: githubToken };
    const browser = new TestClient(kiln.url);
    expect((await signInWithGithub(browser)).status).toBe(303);
    const saved = await browser.fetch("/api/settings/github", {
      method: "PUT",
      json: { token: pat },
    });
    expect(saved.status).toBe(200);
    // Signing in again (a new session, the same account) keeps the chosen token.
    const again = new TestClient(kiln.url);
    expect((await signInWithGithub(again)).status).toBe(303);
    expect(await (await again.fetch("/api/settings/github")).json()).toMatchObject({
      source: "user",
      login: "octo-pat",
    });
  });

  test("without the GitHub provider, or with a forged code, the login page is where the browser ends", {
    timeout: 90_000,
  }, async () => {
    fake.options.github = undefined;
    // The provider setting is cached for a minute: a fresh Kiln asks Supabase again.
    const other = await startKiln({
      env: {
        ...suiteEnv,
        NEXT_PUBLIC_SUPABASE_URL: fake.url,
        NEXT_PUBLIC_SUPABASE_ANON_KEY: fake.anonKey,
        GITHUB_API_URL: github.url,
      },
    });
    try {
      expect(await (await fetch(`${other.url}/login`)).text()).not.toContain(
        "Continue with GitHub",
      );
      const start = await new TestClient(other.url).fetch("/auth/github");
      expect(start.status).toBe(303);
      expect(start.headers.get("location")).toBe("/login?error=github");
    } finally {
      await other.stop();
    }
    // A code from nowhere, or one used without this browser's verifier.
    const forged = await new TestClient(kiln.url).fetch(`/auth/callback?code=${randomUUID()}`);
    expect(forged.headers.get("location")).toBe("/login?error=link");
    // An off-site `next` never leaves Kiln.
    const start = await new TestClient(kiln.url).fetch("/auth/github?next=//evil.test/x");
    const authorize = new URL(start.headers.get("location") ?? "");
    expect(authorize.searchParams.get("redirect_to")).toBe(`${kiln.url}/auth/callback?next=%2F`);
  });
});

describe("Sign in with GitHub on local accounts", () => {
  let kiln: KilnServer;
  beforeAll(async () => {
    kiln = await startKiln({ env: suiteEnv });
  });
  afterAll(async () => kiln?.stop());

  test("is not offered, and its address says so on the login page", async () => {
    expect(await (await fetch(`${kiln.url}/login`)).text()).not.toContain("Continue with GitHub");
    const start = await new TestClient(kiln.url).fetch("/auth/github");
    expect(start.status).toBe(303);
    expect(start.headers.get("location")).toBe("/login?error=github");
  });
});
