import { randomUUID } from "node:crypto";

/** A browser-like client for one Kiln server: keeps the session cookie and sends Origin. */
export class TestClient {
  cookie: string | undefined;

  constructor(readonly baseUrl: string) {}

  async fetch(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookie && !headers.has("cookie")) headers.set("cookie", this.cookie);
    if (!headers.has("origin")) headers.set("origin", this.baseUrl);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(init.json);
    }
    const response = await fetch(new URL(path, this.baseUrl), {
      ...init,
      headers,
      body,
      redirect: "manual",
    });
    const setCookie = response.headers.getSetCookie().find((c) => c.startsWith("kiln_session="));
    if (setCookie) {
      const value = setCookie.split(";")[0]!;
      this.cookie = value === "kiln_session=" ? undefined : value;
    }
    return response;
  }

  /** Signs up a fresh account (a random email unless given) and keeps its session. */
  async signUp(email = `user-${randomUUID()}@example.test`, password = "correct horse battery") {
    const response = await this.fetch("/api/auth/signup", {
      method: "POST",
      json: { email, password },
    });
    if (response.status !== 201)
      throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
    const { user } = (await response.json()) as {
      user: { id: string; email: string; isAdmin: boolean };
    };
    return { user, email, password };
  }

  async createApiKey(name = "test key"): Promise<{ id: string; key: string }> {
    const response = await this.fetch("/api/v1/api-keys", { method: "POST", json: { name } });
    if (response.status !== 201)
      throw new Error(`key creation failed: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { data: { id: string; key: string } }).data;
  }
}
