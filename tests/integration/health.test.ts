import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { type FakeHttp, startFakeHttp } from "../support/fake-http";
import { type FakeUpstash, redisReachable, startFakeUpstash } from "../support/fake-upstash";
import { type KilnServer, startKiln } from "../support/kiln-server";

// Every component of /health is a real probe; these servers configure each one against local
// stand-ins that answer as the real services do.

interface Report {
  status: string;
  version: string;
  timestamp: string;
  components: Record<string, string>;
  checks: Record<string, { status: string; message: string }>;
}

const health = async (kiln: KilnServer, path = "/health") => {
  const response = await fetch(`${kiln.url}${path}`);
  return { status: response.status, body: (await response.json()) as Report };
};

const goodKey = "sk-provider-good-key-123456";
const keyed =
  (header: string, expected: string) =>
  (request: { headers: Record<string, string | string[] | undefined> }): [number, unknown] =>
    request.headers[header] === expected ? [200, { data: [] }] : [401, { error: "bad key" }];

describe("health with every provider configured and answering", () => {
  let providers: FakeHttp;
  let kiln: KilnServer;
  beforeAll(async () => {
    providers = await startFakeHttp({
      "GET /openai/models": keyed("authorization", `Bearer ${goodKey}`),
      "GET /anthropic/models": keyed("x-api-key", goodKey),
      "GET /google/models": keyed("x-goog-api-key", goodKey),
      "GET /e2b/sandboxes": keyed("x-api-key", goodKey),
    });
    kiln = await startKiln({
      env: {
        OPENAI_API_KEY: goodKey,
        OPENAI_BASE_URL: `${providers.url}/openai`,
        ANTHROPIC_API_KEY: goodKey,
        ANTHROPIC_BASE_URL: `${providers.url}/anthropic`,
        GOOGLE_GENERATIVE_AI_API_KEY: goodKey,
        GOOGLE_GENERATIVE_AI_BASE_URL: `${providers.url}/google`,
        E2B_API_KEY: goodKey,
        E2B_API_URL: `${providers.url}/e2b`,
      },
    });
  });
  afterAll(async () => {
    await kiln?.stop();
    await providers?.close();
  });

  test("each provider is asked, with its own key, and all are healthy", async () => {
    // The process's workers register once the database is open, in the background.
    await vi.waitFor(
      async () => expect((await health(kiln)).body.components.workers).toBe("healthy"),
      {
        timeout: 20_000,
      },
    );
    const { status, body } = await health(kiln);
    expect(status).toBe(200);
    expect(body.components).toEqual({
      database: "healthy",
      redis: "unconfigured",
      queue: "healthy",
      // The process's own workers (KILN_WORKERS, 2 by default) registered at start.
      workers: "healthy",
      sandbox: "healthy",
      model: "healthy",
    });
    expect(body.status).toBe("healthy");
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    const paths = providers.requests.map((r) => r.path).sort();
    expect(paths).toEqual([
      "/anthropic/models",
      "/e2b/sandboxes",
      "/google/models",
      "/openai/models",
    ]);
    // /api/v1/health reports the same; the provider probes are cached, not repeated.
    const v1 = await health(kiln, "/api/v1/health");
    expect(v1.body.components).toEqual(body.components);
    expect(providers.requests).toHaveLength(4);
    expect(JSON.stringify(v1.body)).not.toContain(goodKey);
  });

  test("each report says when it was made, in ISO 8601 UTC (seed 002)", async () => {
    for (const path of ["/health", "/api/v1/health"]) {
      const before = Date.now();
      const { body } = await health(kiln, path);
      expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      const made = Date.parse(body.timestamp);
      expect(made).toBeGreaterThanOrEqual(before);
      expect(made).toBeLessThanOrEqual(Date.now());
    }
  });
});

describe("health when parts are broken", () => {
  let providers: FakeHttp;
  let kiln: KilnServer;
  beforeAll(async () => {
    providers = await startFakeHttp({ "GET /v1/models": keyed("authorization", "Bearer other") });
    kiln = await startKiln({
      env: {
        OPENAI_API_KEY: "sk-wrong-key-abcdefgh",
        OPENAI_BASE_URL: `${providers.url}/v1`,
        KILN_SANDBOX_BWRAP: "/nonexistent/bwrap",
      },
    });
  });
  afterAll(async () => {
    await kiln?.stop();
    await providers?.close();
  });

  test("a refused model key and a missing bubblewrap make Kiln degraded, still 200", async () => {
    const { status, body } = await health(kiln);
    expect(status).toBe(200);
    expect(body.status).toBe("degraded");
    expect(body.components.model).toBe("unhealthy");
    expect(body.checks.model?.message).toMatch(/refused the API key \(401\)/);
    expect(body.components.sandbox).toBe("unhealthy");
    expect(body.checks.sandbox?.message).toMatch(/cannot run \/nonexistent\/bwrap/);
    expect(JSON.stringify(body)).not.toContain("sk-wrong-key");
  });
});

describe("health when the database is down", () => {
  let kiln: KilnServer;
  const databaseUrl = "postgres://kiln:hunter2-db-password@127.0.0.1:1/kiln";
  beforeAll(async () => {
    kiln = await startKiln({ env: { DATABASE_URL: databaseUrl } });
  });
  afterAll(async () => kiln?.stop());

  test("/health and /api/v1/health are 503; other routes fail with a generic message", async () => {
    for (const path of ["/health", "/api/v1/health"]) {
      const { status, body } = await health(kiln, path);
      expect(status).toBe(503);
      expect(body.status).toBe("unhealthy");
      expect(body.components.database).toBe("unhealthy");
      expect(JSON.stringify(body)).not.toContain("hunter2");
    }
    const me = await fetch(`${kiln.url}/api/auth/me`, {
      headers: { authorization: "Bearer kiln_0000000000000000000000000000000000000000000" },
    });
    expect(me.status).toBe(503);
    expect(await me.json()).toEqual({
      error: true,
      message: "The database is unavailable; try again shortly",
    });
    expect(kiln.output()).not.toContain("hunter2");
  });
});

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const hasRedis = await redisReachable(redisUrl);
if (!hasRedis) console.log(`\n  skipped: Upstash health probe (no Redis at ${redisUrl})\n`);

describe.runIf(hasRedis)("health of the shared rate-limit store", () => {
  let fake: FakeUpstash;
  let kiln: KilnServer;
  beforeAll(async () => {
    fake = await startFakeUpstash({ redisUrl });
    kiln = await startKiln({
      env: { UPSTASH_REDIS_REST_URL: fake.url, UPSTASH_REDIS_REST_TOKEN: fake.token },
    });
  });
  afterAll(async () => {
    await kiln?.stop();
    await fake?.close();
  });

  test("Upstash answering PING is healthy", async () => {
    const { body } = await health(kiln);
    expect(body.components.redis).toBe("healthy");
    expect(fake.commands).toContainEqual(["ping"]);
  });
});
