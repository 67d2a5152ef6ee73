import { randomUUID } from "node:crypto";
import { describe, expect, inject, test } from "vitest";
import { TestClient } from "../support/client";

const post = (client: TestClient, path: string, json: unknown) =>
  client.fetch(path, { method: "POST", json });

describe.each(inject("backends"))("accounts on $name", ({ url }) => {
  test("sign-up sets a hardened session cookie and later accounts are not admins", async () => {
    const first = new TestClient(url);
    const response = await post(first, "/api/auth/signup", {
      email: `  Mixed-${randomUUID()}@Example.TEST `,
      password: "long enough pw",
    });
    expect(response.status).toBe(201);
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith("kiln_session="))!;
    expect(cookie).toMatch(
      /^kiln_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Expires=[^;]+ GMT; Secure$/,
    );
    const { user } = (await response.json()) as { user: { email: string; isAdmin: boolean } };
    expect(user.email).toMatch(/^mixed-.*@example\.test$/);

    const second = new TestClient(url);
    const { user: other } = await second.signUp();
    expect(other.isAdmin).toBe(false);
  });

  test("an email is taken whatever its letter case", async () => {
    const email = `taken-${randomUUID()}@example.test`;
    await new TestClient(url).signUp(email);
    const response = await post(new TestClient(url), "/api/auth/signup", {
      email: email.toUpperCase(),
      password: "another password",
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      error: true,
      message: "An account with this email already exists",
    });
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
