import { describe, expect, inject, test } from "vitest";
import { TestClient } from "../support/client";

const securityHeaders = {
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "x-xss-protection": "1; mode=block",
  "referrer-policy": "strict-origin-when-cross-origin",
  "strict-transport-security": "max-age=63072000; includeSubDomains",
};

describe.each(inject("backends"))("HTTP layer on $name", ({ url }) => {
  test.each([
    ["/api/nope", { error: true, message: "No API route at GET /api/nope" }],
    [
      "/api/v1/nope",
      {
        success: false,
        error: { code: "NOT_FOUND", message: "No API route at GET /api/v1/nope", details: {} },
      },
    ],
    [
      "/v1/nope",
      {
        success: false,
        error: { code: "NOT_FOUND", message: "No API route at GET /v1/nope", details: {} },
      },
    ],
  ])("unknown path %s is a JSON 404 in its surface's shape", async (path, body) => {
    const response = await fetch(url + path);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(body);
  });

  test("a wrong method is 405 with Allow", async () => {
    const response = await fetch(`${url}/api/auth/login`, { method: "GET" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST, OPTIONS");
    expect(await response.json()).toEqual({
      error: true,
      message: "GET is not allowed here; use POST",
    });
    const v1 = await fetch(`${url}/api/v1/api-keys`, { method: "PATCH" });
    expect(v1.status).toBe(405);
    expect(v1.headers.get("allow")).toBe("GET, POST, HEAD, OPTIONS");
  });

  test("malformed JSON is 400, a non-JSON body 415", async () => {
    const malformed = await fetch(`${url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{bad",
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({
      error: true,
      message: "Malformed JSON in request body",
    });
    const form = await fetch(`${url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "a=b",
    });
    expect(form.status).toBe(415);
  });

  test("a body over the limit is 413, with or without Content-Length", async () => {
    const big = JSON.stringify({ email: "a@example.test", password: "x".repeat(2 * 1024 * 1024) });
    const declared = await fetch(`${url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({
      error: true,
      message: "Request body is larger than 1048576 bytes",
    });
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 3; i++)
          controller.enqueue(new TextEncoder().encode(big.slice(i * 800_000, (i + 1) * 800_000)));
        controller.close();
      },
    });
    const streamed = await fetch(`${url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: chunks,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  test.each(["/api/auth/me", "/login", "/health", "/favicon.svg", "/robots.txt", "/api/nope"])(
    "%s carries the security headers and a request id",
    async (path) => {
      const response = await fetch(url + path, { redirect: "manual" });
      for (const [name, value] of Object.entries(securityHeaders))
        expect(response.headers.get(name)).toBe(value);
      expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    },
  );

  test("a safe client request id is kept, an unsafe one replaced", async () => {
    const kept = await fetch(`${url}/health`, { headers: { "x-request-id": "trace-1234abcd" } });
    expect(kept.headers.get("x-request-id")).toBe("trace-1234abcd");
    const replaced = await fetch(`${url}/health`, {
      headers: { "x-request-id": "bad id\twith<tags>" },
    });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("a page visit without a session goes to /login, keeping where it was going", async () => {
    const response = await fetch(`${url}/settings?tab=keys`, { redirect: "manual" });
    expect(response.status).toBe(307);
    expect(
      new URL(response.headers.get("location")!, url).pathname +
        new URL(response.headers.get("location")!, url).search,
    ).toBe("/login?next=%2Fsettings%3Ftab%3Dkeys");
  });

  test("/v1/* is an alias of /api/v1/*", async () => {
    const browser = new TestClient(url);
    await browser.signUp();
    const { key } = await browser.createApiKey("alias");
    const response = await fetch(`${url}/v1/api-keys`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(response.status).toBe(200);
    expect(
      ((await response.json()) as { data: { name: string }[] }).data.map((k) => k.name),
    ).toEqual(["alias"]);
  });
});
