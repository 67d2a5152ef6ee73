import { randomUUID } from "node:crypto";

/** A browser-like client for one Kiln server: keeps the cookies it is given and sends Origin. */
export class TestClient {
  readonly jar = new Map<string, string>();

  readonly baseUrl: string;
  /** Headers sent on every request unless given, e.g. an X-Forwarded-For. */
  readonly defaults: Record<string, string>;

  // Plain fields, not parameter properties: benchmarks run this file with Node's type stripping.
  constructor(baseUrl: string, defaults: Record<string, string> = {}) {
    this.baseUrl = baseUrl;
    this.defaults = defaults;
  }

  /** The Cookie header this client sends, or undefined when it holds no cookies. */
  get cookie(): string | undefined {
    if (this.jar.size === 0) return undefined;
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  set cookie(header: string | undefined) {
    this.jar.clear();
    for (const part of header?.split(";") ?? []) {
      const eq = part.indexOf("=");
      if (eq > 0) this.jar.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
  }

  async fetch(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    for (const [k, v] of Object.entries(this.defaults)) if (!headers.has(k)) headers.set(k, v);
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
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = setCookie.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === "") this.jar.delete(name);
      else this.jar.set(name, value);
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
