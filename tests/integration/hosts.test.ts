import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { TestClient } from "../support/client";
import { type KilnServer, startKiln } from "../support/kiln-server";

// DNS rebinding: a page on evil.example whose name the attacker points at Kiln's address talks
// to Kiln as its own origin, with Host and Origin both evil.example. Only Kiln's own host names
// are served. fetch() will not send a Host of our choosing, hence node:http.

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function raw(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? "GET", headers: options.headers, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

const port = (url: string) => new URL(url).port;
const json = (body: unknown) => ({
  method: "POST",
  body: JSON.stringify(body),
});

describe.each(inject("backends"))("a foreign Host on $name", ({ url }) => {
  const evil = () => `evil.example:${port(url)}`;
  const fromEvil = (extra: Record<string, string> = {}) => ({
    host: evil(),
    origin: `http://${evil()}`,
    "sec-fetch-site": "same-origin",
    "content-type": "application/json",
    ...extra,
  });

  test("sign-up is 421 in the /api shape, and creates no account", async () => {
    const email = `rebound-${randomUUID()}@example.test`;
    const response = await raw(url, "/api/auth/signup", {
      ...json({ email, password: "long enough pw" }),
      headers: fromEvil(),
    });
    expect(response.status).toBe(421);
    expect(response.headers["set-cookie"]).toBeUndefined();
    expect(JSON.parse(response.body)).toEqual({
      error: true,
      message: `Kiln does not serve the host "${evil()}". Open it at its own address, or set KILN_ORIGIN to the URL you use.`,
    });
    // The email is still free: the refused request created nothing.
    const { user } = await new TestClient(url).signUp(email);
    expect(user.email).toBe(email);
  });

  test("creating an API key with the victim's cookie is 421 in the v1 shape, and creates none", async () => {
    const browser = new TestClient(url);
    await browser.signUp();
    for (const path of ["/api/v1/api-keys", "/v1/api-keys"]) {
      const response = await raw(url, path, {
        ...json({ name: "rebound" }),
        headers: fromEvil({ cookie: browser.cookie! }),
      });
      expect(response.status).toBe(421);
      expect(JSON.parse(response.body)).toMatchObject({
        success: false,
        error: { code: "MISDIRECTED_REQUEST", details: { host: evil() } },
      });
    }
    const list = (await (await browser.fetch("/api/v1/api-keys")).json()) as { data: unknown[] };
    expect(list.data).toEqual([]);
  });

  test("pages, /health and websocket upgrades are refused too", async () => {
    for (const path of ["/", "/login", "/ide"]) {
      const page = await raw(url, path, { headers: { host: evil() } });
      expect(page.status).toBe(421);
      expect(page.headers["content-type"]).toMatch(/^text\/plain/);
      expect(page.headers["x-frame-options"]).toBe("DENY");
      expect(page.headers["x-content-type-options"]).toBe("nosniff");
      expect(page.body).toContain("Kiln does not serve the host");
    }
    const health = await raw(url, "/health", { headers: { host: evil() } });
    expect(health.status).toBe(421);
    expect(JSON.parse(health.body)).toMatchObject({ error: true });

    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(new URL("/_next/webpack-hmr", url), {
        headers: { host: evil(), connection: "Upgrade", upgrade: "websocket" },
        agent: false,
      });
      req.on("response", (res) => resolve(res.statusCode ?? 0));
      req.on("upgrade", () => resolve(101));
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  test("a Host without a name, or an odd spelling of a foreign one, is refused", async () => {
    for (const host of ["EVIL.example", "evil.example.", "localhost.evil.example", "0.0.0.0"]) {
      expect((await raw(url, "/health", { headers: { host } })).status).toBe(421);
    }
  });

  test("an absolute-form target names a foreign host even when Host is Kiln's, and is refused", async () => {
    // GET http://evil.example/... HTTP/1.1: the authority in the target wins over Host (RFC 9112).
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: "127.0.0.1",
        port: port(url),
        path: `http://${evil()}/api/auth/me`,
        headers: { host: `127.0.0.1:${port(url)}` },
        agent: false,
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  test("loopback names are served: 127.0.0.1, localhost, [::1]", async () => {
    for (const host of [`127.0.0.1:${port(url)}`, `localhost:${port(url)}`, "LOCALHOST", "[::1]"]) {
      const response = await raw(url, "/health", { headers: { host } });
      expect(response.status).toBe(200);
    }
    const email = `loopback-${randomUUID()}@example.test`;
    const signup = await raw(url, "/api/auth/signup", {
      ...json({ email, password: "long enough pw" }),
      headers: {
        host: `localhost:${port(url)}`,
        origin: `http://localhost:${port(url)}`,
        "content-type": "application/json",
      },
    });
    expect(signup.status).toBe(201);
  });
});

describe("a fresh install", () => {
  let kiln: KilnServer;
  beforeAll(async () => {
    kiln = await startKiln();
  });
  afterAll(async () => kiln?.stop());

  test("a rebinding page cannot sign up the first (admin) account", async () => {
    const host = `rebind.example:${port(kiln.url)}`;
    const rebound = await raw(kiln.url, "/api/auth/signup", {
      ...json({ email: "attacker@example.test", password: "long enough pw" }),
      headers: { host, origin: `http://${host}`, "content-type": "application/json" },
    });
    expect(rebound.status).toBe(421);
    const { user } = await new TestClient(kiln.url).signUp();
    expect(user.isAdmin).toBe(true);
  });
});

describe("with KILN_ORIGIN set (https)", () => {
  let kiln: KilnServer;
  beforeAll(async () => {
    kiln = await startKiln({ env: { KILN_ORIGIN: "https://kiln.example.test" } });
  });
  afterAll(async () => kiln?.stop());

  test("its host and loopback names are served, nothing else", async () => {
    expect(
      (await raw(kiln.url, "/api/openapi.json", { headers: { host: "kiln.example.test" } })).status,
    ).toBe(200);
    expect(
      (
        await raw(kiln.url, "/api/openapi.json", {
          headers: { host: `127.0.0.1:${port(kiln.url)}` },
        })
      ).status,
    ).toBe(200);
    const lan = await raw(kiln.url, "/health", { headers: { host: "192.0.2.10" } });
    expect(lan.status).toBe(421);
    expect(JSON.parse(lan.body).message).toContain("KILN_ORIGIN");
  });

  test("the session cookie is Secure", async () => {
    const response = await new TestClient(kiln.url).fetch("/api/auth/signup", {
      method: "POST",
      json: { email: `secure-${randomUUID()}@example.test`, password: "long enough pw" },
    });
    expect(response.status).toBe(201);
    const cookies = response.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith("kiln_session="))).toMatch(/; Secure$/);
    expect(cookies.find((c) => c.startsWith("kiln_device="))).toMatch(/; Secure$/);
  });
});

describe("behind a trusted proxy (KILN_TRUST_PROXY=1)", () => {
  let kiln: KilnServer;
  beforeAll(async () => {
    kiln = await startKiln({ env: { KILN_TRUST_PROXY: "1" } });
  });
  afterAll(async () => kiln?.stop());

  test("X-Forwarded-Host is checked as well as Host", async () => {
    const host = `127.0.0.1:${port(kiln.url)}`;
    const forwarded = (name: string) =>
      raw(kiln.url, "/api/openapi.json", { headers: { host, "x-forwarded-host": name } });
    expect((await forwarded("evil.example")).status).toBe(421);
    expect((await forwarded("localhost")).status).toBe(200);
    // A page that reaches Kiln around the proxy cannot vouch for itself with the header.
    const around = await raw(kiln.url, "/api/openapi.json", {
      headers: { host: "evil.example", "x-forwarded-host": "localhost" },
    });
    expect(around.status).toBe(421);
  });

  test("X-Forwarded-Proto: https makes the session cookie Secure; http leaves it off", async () => {
    const signUp = (proto: string) =>
      new TestClient(kiln.url, { "x-forwarded-proto": proto }).fetch("/api/auth/signup", {
        method: "POST",
        json: { email: `proxy-${randomUUID()}@example.test`, password: "long enough pw" },
        // The browser's origin as the proxy's users see it.
        headers: { origin: `${proto}://127.0.0.1:${port(kiln.url)}` },
      });
    const viaHttps = await signUp("https");
    expect(viaHttps.status).toBe(201);
    expect(viaHttps.headers.getSetCookie().find((c) => c.startsWith("kiln_session="))).toMatch(
      /; Secure$/,
    );
    const viaHttp = await signUp("http");
    expect(viaHttp.status).toBe(201);
    expect(viaHttp.headers.getSetCookie().find((c) => c.startsWith("kiln_session="))).not.toContain(
      "Secure",
    );
  });
});

describe.each(inject("backends"))("without a trusted proxy on $name", ({ url }) => {
  test("X-Forwarded-Host and X-Forwarded-Proto are ignored", async () => {
    const response = await raw(url, "/health", {
      headers: { host: `127.0.0.1:${port(url)}`, "x-forwarded-host": "evil.example" },
    });
    expect(response.status).toBe(200);
    const signup = await new TestClient(url, { "x-forwarded-proto": "https" }).fetch(
      "/api/auth/signup",
      {
        method: "POST",
        json: { email: `plain-${randomUUID()}@example.test`, password: "long enough pw" },
      },
    );
    expect(signup.status).toBe(201);
    expect(signup.headers.getSetCookie().find((c) => c.startsWith("kiln_session="))).not.toContain(
      "Secure",
    );
  });
});
