import { describe, expect, inject, test } from "vitest";
import { TestClient } from "../support/client";

describe.each(inject("backends"))("API keys on $name", ({ url }) => {
  test("a key created in the browser authenticates curl-style calls until it is revoked", async () => {
    const browser = new TestClient(url);
    const { user } = await browser.signUp();
    const { id, key } = await browser.createApiKey("ci");
    expect(key).toMatch(/^kiln_[A-Za-z0-9_-]{43}$/);

    const me = await fetch(`${url}/api/auth/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({
      user: expect.objectContaining({ id: user.id }),
      authenticatedVia: "api_key",
    });

    const list = await browser.fetch("/api/v1/api-keys");
    const keys = (
      (await list.json()) as { data: { id: string; lastUsedAt: string | null; prefix: string }[] }
    ).data;
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ id, prefix: key.slice(0, 11) });
    expect(keys[0]!.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(keys)).not.toContain(key);

    const revoked = await browser.fetch(`/api/v1/api-keys/${id}`, { method: "DELETE" });
    expect(revoked.status).toBe(200);
    const after = await fetch(`${url}/api/auth/me`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(after.status).toBe(401);
    expect(await after.json()).toEqual({
      error: true,
      message: expect.stringContaining("Authentication required"),
    });
  });

  test("another user's key is not found", async () => {
    const alice = new TestClient(url);
    await alice.signUp();
    const { id } = await alice.createApiKey();
    const bob = new TestClient(url);
    await bob.signUp();
    const response = await bob.fetch(`/api/v1/api-keys/${id}`, { method: "DELETE" });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      success: false,
      error: { code: "NOT_FOUND", message: "API key not found", details: {} },
    });
  });

  test.each([
    [{}, "name: Invalid input: expected string, received undefined"],
    [{ name: "   " }, "name: is required"],
    [{ name: "x".repeat(101) }, "name: must be at most 100 characters"],
    [{ name: 42 }, "name: Invalid input: expected string, received number"],
    ["a string", "body: Invalid input: expected object, received string"],
  ])("creating a key with bad input %j is a 400 naming the field", async (body, message) => {
    const browser = new TestClient(url);
    await browser.signUp();
    const response = await browser.fetch("/api/v1/api-keys", { method: "POST", json: body });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      success: false,
      error: { code: "VALIDATION_ERROR", message, details: { in: "body" } },
    });
    const list = (await (await browser.fetch("/api/v1/api-keys")).json()) as { data: unknown[] };
    expect(list.data).toEqual([]);
  });

  test("a malformed key id is a 400; an unknown one a 404", async () => {
    const browser = new TestClient(url);
    await browser.signUp();
    const malformed = await browser.fetch("/api/v1/api-keys/not-a-key", { method: "DELETE" });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({
      error: { code: "VALIDATION_ERROR", message: "id: is not an API key id" },
    });
    const unknown = await browser.fetch("/api/v1/api-keys/key_0000000000", { method: "DELETE" });
    expect(unknown.status).toBe(404);
  });

  test("keys are managed only from a signed-in browser, not with a key", async () => {
    const browser = new TestClient(url);
    await browser.signUp();
    const { key } = await browser.createApiKey();
    const response = await fetch(`${url}/api/v1/api-keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "from a key" }),
    });
    expect(response.status).toBe(403);
    const anonymous = await fetch(`${url}/api/v1/api-keys`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({
      success: false,
      error: { code: "UNAUTHORIZED" },
    });
  });
});
