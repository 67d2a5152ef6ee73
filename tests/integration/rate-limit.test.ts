import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { TestClient } from "../support/client";
import { type FakeUpstash, redisReachable, startFakeUpstash } from "../support/fake-upstash";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { clearOfWindowEdge } from "../support/windows";

// Servers of their own with small limits. Behind a trusted proxy, each test speaks from its own
// X-Forwarded-For address so that the tests' budgets never mix.

const limits = {
  KILN_TRUST_PROXY: "1",
  KILN_RATE_LIMIT_GENERAL: "10/1m",
  KILN_RATE_LIMIT_SESSION_GENERAL: "40/1m",
  KILN_RATE_LIMIT_TIER_FREE: "5",
  KILN_RATE_LIMIT_TIER_PRO: "8",
  KILN_RATE_LIMIT_LOGIN: "3/15m",
};
let lastOctet = 0;
const newAddress = () => `203.0.113.${++lastOctet}`;
const from = (url: string) => new TestClient(url, { "x-forwarded-for": newAddress() });

async function signedUpWithKey(url: string) {
  const browser = from(url);
  const { user, email, password } = await browser.signUp();
  const { key } = await browser.createApiKey();
  return { browser, user, email, password, key };
}

const counts = (responses: Response[]) =>
  responses.reduce<Record<number, number>>((acc, r) => {
    acc[r.status] = (acc[r.status] ?? 0) + 1;
    return acc;
  }, {});

describe("rate limits (in memory, behind a trusted proxy)", () => {
  let kiln: KilnServer;
  beforeAll(async () => {
    kiln = await startKiln({ env: limits });
  });
  afterAll(async () => kiln?.stop());
  beforeEach(() => clearOfWindowEdge());

  test("limited responses carry the headers; the 11th anonymous request is 429 with Retry-After", async () => {
    const client = from(kiln.url);
    const first = await client.fetch("/api/auth/me");
    expect(first.status).toBe(401);
    expect(first.headers.get("x-ratelimit-limit")).toBe("10");
    expect(first.headers.get("x-ratelimit-remaining")).toBe("9");
    const reset = Number(first.headers.get("x-ratelimit-reset"));
    expect(reset).toBeGreaterThan(Date.now() / 1000);
    expect(reset).toBeLessThanOrEqual(Date.now() / 1000 + 61);
    for (let i = 0; i < 9; i++) await client.fetch("/api/auth/me");
    const limited = await client.fetch("/api/auth/me");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited.json()).toEqual({
      error: true,
      message: "Too many requests; try again later",
    });
    // Another address still has its whole budget.
    expect((await from(kiln.url).fetch("/api/auth/me")).status).toBe(401);
  });

  test("50 parallel requests against a limit of 10 admit exactly 10", async () => {
    const client = from(kiln.url);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => client.fetch("/api/auth/me")),
    );
    expect(counts(responses)).toEqual({ 401: 10, 429: 40 });
  });

  test("/api/v1 holds API keys to their tier per user, in the v1 error shape", async () => {
    const { key, browser } = await signedUpWithKey(kiln.url);
    const { key: secondKey } = await browser.createApiKey("second");
    const call = (k: string) =>
      fetch(`${kiln.url}/api/v1/api-keys`, {
        headers: { authorization: `Bearer ${k}`, "x-forwarded-for": newAddress() },
      });
    const first = await call(key);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit")).toBe("5");
    // Two keys of one user share the user's budget, whatever address they come from.
    for (let i = 0; i < 2; i++) await call(key);
    for (let i = 0; i < 2; i++) expect((await call(secondKey)).status).toBe(200);
    const limited = await call(secondKey);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    const body = (await limited.json()) as { success: boolean; error: { code: string } };
    expect(body).toMatchObject({ success: false, error: { code: "RATE_LIMITED" } });
    // Another user is not affected.
    const other = await signedUpWithKey(kiln.url);
    expect((await call(other.key)).status).toBe(200);
  });

  test("a signed-in browser gets the roomier interactive limits", async () => {
    const browser = from(kiln.url);
    await browser.signUp();
    const me = await browser.fetch("/api/auth/me");
    expect(me.status).toBe(200);
    expect(me.headers.get("x-ratelimit-limit")).toBe("40");
    const v1 = await browser.fetch("/api/v1/api-keys");
    expect(v1.status).toBe(200);
    expect(v1.headers.get("x-ratelimit-limit")).toBe("40");
  });

  test("failed sign-ins are throttled per email and per address; successes are not", async () => {
    const { email, password } = await from(kiln.url).signUp();
    const attacker = from(kiln.url);
    for (let i = 0; i < 3; i++) {
      const wrong = await attacker.fetch("/api/auth/login", {
        method: "POST",
        json: { email, password: `wrong ${i}` },
      });
      expect(wrong.status).toBe(401);
    }
    // The email is now locked, even with the right password and from elsewhere.
    const locked = await from(kiln.url).fetch("/api/auth/login", {
      method: "POST",
      json: { email, password },
    });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await locked.json()) as { message: string }).message).toMatch(/failed sign-in/);

    // The address is locked for other emails too.
    const other = await from(kiln.url).signUp();
    const fromAttacker = await attacker.fetch("/api/auth/login", {
      method: "POST",
      json: { email: other.email, password: other.password },
    });
    expect(fromAttacker.status).toBe(429);

    // Many successful sign-ins never trip it.
    const regular = from(kiln.url);
    for (let i = 0; i < 6; i++) {
      const ok = await regular.fetch("/api/auth/login", {
        method: "POST",
        json: { email: other.email, password: other.password },
      });
      expect(ok.status).toBe(200);
    }
  });
});

describe("rate limits without a trusted proxy; sign-up closed", () => {
  let kiln: KilnServer;
  beforeAll(async () => {
    kiln = await startKiln({
      env: { ...limits, KILN_TRUST_PROXY: undefined, KILN_ALLOW_SIGNUP: "false" },
    });
  });
  afterAll(async () => kiln?.stop());
  beforeEach(() => clearOfWindowEdge());

  test("X-Forwarded-For is ignored: changing it does not buy a new budget", async () => {
    const remaining = async () => {
      const r = await fetch(`${kiln.url}/api/auth/me`, {
        headers: { "x-forwarded-for": newAddress() },
      });
      return Number(r.headers.get("x-ratelimit-remaining"));
    };
    const a = await remaining();
    const b = await remaining();
    expect(b).toBe(a - 1);
  });

  test("KILN_ALLOW_SIGNUP=false: the first account (the admin) may sign up, no one after", async () => {
    const { user } = await new TestClient(kiln.url).signUp();
    expect(user.isAdmin).toBe(true);
    const refused = await new TestClient(kiln.url).fetch("/api/auth/signup", {
      method: "POST",
      json: { email: `late-${randomUUID()}@example.test`, password: "long enough pw" },
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      error: true,
      message: "Sign-up is disabled on this server",
    });
  });
});

const databaseUrl = process.env.TEST_DATABASE_URL;
if (!databaseUrl) console.log("\n  skipped: tier change on Postgres (set TEST_DATABASE_URL)\n");

describe.runIf(databaseUrl)(
  "a tier change takes effect once the key's cache entry expires (Postgres)",
  () => {
    let kiln: KilnServer;
    beforeAll(async () => {
      kiln = await startKiln({ env: { ...limits, DATABASE_URL: databaseUrl } });
    });
    afterAll(async () => kiln?.stop());
    beforeEach(() => clearOfWindowEdge());

    test("free 5 per minute, then pro 8", { timeout: 20_000 }, async () => {
      const { key, user } = await signedUpWithKey(kiln.url);
      const call = () =>
        fetch(`${kiln.url}/api/v1/api-keys`, { headers: { authorization: `Bearer ${key}` } });
      expect((await call()).headers.get("x-ratelimit-limit")).toBe("5");
      const db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      await db.query("update users set tier = 'pro' where id = $1", [user.id]);
      await db.end();
      // A verified key is trusted for 5 s (lib/api-keys); the change shows right after.
      await new Promise((resolve) => setTimeout(resolve, 5_100));
      const pro = await call();
      expect(pro.status).toBe(200);
      expect(pro.headers.get("x-ratelimit-limit")).toBe("8");
    });
  },
);

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const hasRedis = await redisReachable(redisUrl);
if (!hasRedis) console.log(`\n  skipped: Upstash-backed limits (no Redis at ${redisUrl})\n`);

describe.runIf(hasRedis)("rate limits shared through Upstash", () => {
  let fake: FakeUpstash;
  let kiln: KilnServer;
  beforeAll(async () => {
    fake = await startFakeUpstash({ redisUrl });
    kiln = await startKiln({
      env: { ...limits, UPSTASH_REDIS_REST_URL: fake.url, UPSTASH_REDIS_REST_TOKEN: fake.token },
    });
  });
  afterAll(async () => {
    await kiln?.stop();
    await fake?.close();
  });
  beforeEach(() => clearOfWindowEdge());

  test("exact under concurrency; an outage fails requests open and sign-in closed", async () => {
    const client = from(kiln.url);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => client.fetch("/api/auth/me")),
    );
    expect(counts(responses)).toEqual({ 401: 10, 429: 40 });
    expect(fake.commands.some((c) => c[0]?.toLowerCase().startsWith("eval"))).toBe(true);

    await fake.close();
    const duringOutage = await from(kiln.url).fetch("/api/auth/me");
    expect(duringOutage.status).toBe(401);
    const login = await from(kiln.url).fetch("/api/auth/login", {
      method: "POST",
      json: { email: "someone@example.test", password: "whatever" },
    });
    expect(login.status).toBe(503);
    const body = await login.text();
    expect(body).toContain("rate-limit store");
    expect(body).not.toContain(fake.token);
    expect(kiln.output()).not.toContain(fake.token);
  });
});
