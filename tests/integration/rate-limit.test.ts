import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { TestClient } from "../support/client";
import { type FakeUpstash, redisReachable, startFakeUpstash } from "../support/fake-upstash";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { clearOfWindowEdge, hourWindow, minuteWindow } from "../support/windows";

// Servers of their own with small limits. Behind a trusted proxy, each test speaks from its own
// X-Forwarded-For address so that the tests' budgets never mix.

const limits = {
  KILN_TRUST_PROXY: "1",
  KILN_RATE_LIMIT_GENERAL: "10/1h",
  KILN_RATE_LIMIT_SESSION_GENERAL: "40/1h",
  KILN_RATE_LIMIT_TIER_FREE: "5",
  KILN_RATE_LIMIT_TIER_PRO: "8",
  KILN_RATE_LIMIT_LOGIN: "3/1h",
  KILN_RATE_LIMIT_LOGIN_ADDRESS: "6/1h",
  KILN_RATE_LIMIT_LOGIN_EMAIL: "8/1h",
};
// Addresses of this run's own (198.18.0.0/15 is for benchmarks and tests): counters kept in a
// shared Redis by an earlier run within the hour never meet this one's.
let lastAddress = Math.floor(Math.random() * 2 ** 16) * 2;
const newAddress = () => {
  lastAddress = (lastAddress + 1) % 2 ** 17;
  return `198.${18 + (lastAddress >> 16)}.${(lastAddress >> 8) & 255}.${lastAddress & 255}`;
};
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
  beforeEach(() => clearOfWindowEdge(hourWindow));

  test("limited responses carry the headers; the 11th anonymous request is 429 with Retry-After", async () => {
    const client = from(kiln.url);
    const first = await client.fetch("/api/auth/me");
    expect(first.status).toBe(401);
    expect(first.headers.get("x-ratelimit-limit")).toBe("10");
    expect(first.headers.get("x-ratelimit-remaining")).toBe("9");
    const reset = Number(first.headers.get("x-ratelimit-reset"));
    expect(reset).toBeGreaterThan(Date.now() / 1000);
    expect(reset).toBeLessThanOrEqual(Date.now() / 1000 + 3601);
    for (let i = 0; i < 9; i++) await client.fetch("/api/auth/me");
    const limited = await client.fetch("/api/auth/me");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3600);
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

  test("/api/v1 holds API keys to their tier per user, in the v1 error shape", {
    timeout: 60_000,
  }, async () => {
    await clearOfWindowEdge(minuteWindow);
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
});

// The sign-in budgets alone, with the general limit out of the way.
describe("sign-in throttling (in memory, behind a trusted proxy)", () => {
  let kiln: KilnServer;
  beforeAll(async () => {
    kiln = await startKiln({ env: { ...limits, KILN_RATE_LIMIT_GENERAL: "1000/1h" } });
  });
  afterAll(async () => kiln?.stop());
  beforeEach(() => clearOfWindowEdge(hourWindow));

  const logIn = (client: TestClient, email: string, password: string) =>
    client.fetch("/api/auth/login", { method: "POST", json: { email, password } });

  test("50 wrong passwords at once: the attempts are counted before checking, so 3 are 401 and 47 are 429", async () => {
    const { email } = await from(kiln.url).signUp();
    const attacker = from(kiln.url);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => logIn(attacker, email, `wrong ${i}`)),
    );
    expect(counts(responses)).toEqual({ 401: 3, 429: 47 });
    const limited = responses.find((r) => r.status === 429)!;
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await limited.json()).toEqual({
      error: true,
      message: "Too many sign-in attempts; try again later",
    });
  });

  test("the right password sent among 41 concurrent guesses, once the budget is spent, gets no session", async () => {
    const { email, password } = await from(kiln.url).signUp();
    const attacker = from(kiln.url);
    const guesses = Array.from({ length: 40 }, (_, i) => logIn(attacker, email, `wrong ${i}`));
    // The first 429 says the server has counted the budget; the other guesses may still be
    // being checked when the right password arrives.
    await Promise.race([
      Promise.all(guesses),
      new Promise<void>((resolve) => {
        for (const g of guesses) void g.then((r) => r.status === 429 && resolve());
      }),
    ]);
    const right = await logIn(attacker, email, password);
    expect(right.status).toBe(429);
    expect(right.headers.getSetCookie()).toEqual([]);
    expect(counts(await Promise.all(guesses))).toEqual({ 401: 3, 429: 37 });
  });

  test("wrong passwords from one address do not lock the owner out from another", async () => {
    const { email, password } = await from(kiln.url).signUp();
    const attacker = from(kiln.url);
    for (let i = 0; i < 3; i++)
      expect((await logIn(attacker, email, `wrong ${i}`)).status).toBe(401);
    expect((await logIn(attacker, email, password)).status).toBe(429);
    const owner = from(kiln.url);
    const signedIn = await logIn(owner, email, password);
    expect(signedIn.status).toBe(200);
    expect((await owner.fetch("/api/auth/me")).status).toBe(200);
  });

  test("one address is held to its own budget across emails", async () => {
    const scanner = from(kiln.url);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push(
        (await logIn(scanner, `nobody-${i}-${randomUUID()}@example.test`, "pw")).status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);
  });

  test("guessing spread over many addresses meets the email's ceiling; the owner's own browser still signs in", async () => {
    const owner = from(kiln.url);
    const { email, password } = await owner.signUp();
    // Each address guesses within its own pair and address budgets.
    const spread = await Promise.all(
      Array.from({ length: 12 }, (_, i) => logIn(from(kiln.url), email, `wrong ${i}`)),
    );
    expect(counts(spread)).toEqual({ 401: 8, 429: 4 });
    // A browser that never signed in to the account waits like everyone else...
    expect((await logIn(from(kiln.url), email, password)).status).toBe(429);
    // ...but the one that signed up keeps a budget of its own (its known-device cookie), again
    // and again.
    for (let i = 0; i < 5; i++) expect((await logIn(owner, email, password)).status).toBe(200);
    // A known device's cookie is good for its own account only.
    const other = from(kiln.url);
    const { email: otherEmail } = await other.signUp();
    expect((await logIn(owner, otherEmail, "wrong")).status).toBe(401);
  });

  test("a known device's own wrong passwords are throttled too", async () => {
    const owner = from(kiln.url);
    const { email, password } = await owner.signUp();
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => logIn(owner, email, `wrong ${i}`)),
    );
    expect(counts(responses)).toEqual({ 401: 3, 429: 7 });
    expect((await logIn(owner, email, password)).status).toBe(429);
  });

  test("sign-up with a taken email checks the password like a sign-in, and is throttled like one", async () => {
    const { email } = await from(kiln.url).signUp();
    const attacker = from(kiln.url);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        attacker.fetch("/api/auth/signup", {
          method: "POST",
          json: { email, password: `wrong guess ${i}` },
        }),
      ),
    );
    expect(counts(responses)).toEqual({ 409: 3, 429: 7 });
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
  beforeEach(() => clearOfWindowEdge(hourWindow));

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
// A verified key is trusted this long (KILN_AUTH_CACHE_MS) before the database is asked again.
const authCacheMs = 300;
if (!databaseUrl) console.log("\n  skipped: tier change on Postgres (set TEST_DATABASE_URL)\n");

describe.runIf(databaseUrl)(
  "a tier change takes effect once the key's cache entry expires (Postgres)",
  () => {
    let kiln: KilnServer;
    beforeAll(async () => {
      kiln = await startKiln({
        env: { ...limits, DATABASE_URL: databaseUrl, KILN_AUTH_CACHE_MS: String(authCacheMs) },
      });
    });
    afterAll(async () => kiln?.stop());
    beforeEach(() => clearOfWindowEdge(minuteWindow));

    test("free 5 per minute, then pro 8", async () => {
      const { key, user } = await signedUpWithKey(kiln.url);
      const call = () =>
        fetch(`${kiln.url}/api/v1/api-keys`, { headers: { authorization: `Bearer ${key}` } });
      expect((await call()).headers.get("x-ratelimit-limit")).toBe("5");
      const db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      await db.query("update users set tier = 'pro' where id = $1", [user.id]);
      await db.end();
      // Asked no more often than the cache lives, so that the free budget (4 left) outlasts
      // the wait however slowly the machine runs.
      const pro = await vi.waitFor(
        async () => {
          const response = await call();
          expect(response.status).toBe(200);
          expect(response.headers.get("x-ratelimit-limit")).toBe("8");
          return response;
        },
        { timeout: 10_000, interval: authCacheMs },
      );
      expect(pro.headers.get("x-ratelimit-remaining")).toBe("7");
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
  beforeEach(() => clearOfWindowEdge(hourWindow));

  test("exact under concurrency; an outage fails requests open and sign-in closed", async () => {
    const client = from(kiln.url);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => client.fetch("/api/auth/me")),
    );
    expect(counts(responses)).toEqual({ 401: 10, 429: 40 });
    expect(fake.commands.some((c) => c[0]?.toLowerCase().startsWith("eval"))).toBe(true);

    // Sign-in attempts are counted in the shared store before the password is checked, too.
    const { email } = await from(kiln.url).signUp();
    const guesser = from(kiln.url);
    const guesses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        guesser.fetch("/api/auth/login", {
          method: "POST",
          json: { email, password: `wrong ${i}` },
        }),
      ),
    );
    expect(counts(guesses)).toEqual({ 401: 3, 429: 5 });

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
