import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createUpstashLimiter } from "@/lib/rate-limit/upstash";
import { type FakeUpstash, redisReachable, startFakeUpstash } from "../support/fake-upstash";
import { clearOfWindowEdge, hourWindow } from "../support/windows";

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const hasRedis = await redisReachable(redisUrl);
if (!hasRedis)
  console.log(`\n  skipped: Upstash suite (no Redis at ${redisUrl}; set TEST_REDIS_URL)\n`);

describe.runIf(hasRedis)("Upstash REST fake and limiter", () => {
  let fake: FakeUpstash;
  const prefix = `kiln-test:${process.pid}:${Date.now()}`;

  beforeAll(async () => {
    fake = await startFakeUpstash({ redisUrl });
  });
  afterAll(async () => {
    await fake?.close();
  });

  test("@upstash/redis talks to it: commands, pipelines, scripts, auth", async () => {
    const redis = new Redis({ url: fake.url, token: fake.token });
    await redis.set(`${prefix}:greeting`, "hello");
    expect(await redis.get(`${prefix}:greeting`)).toBe("hello");
    const pipeline = redis.pipeline();
    pipeline.incr(`${prefix}:n`);
    pipeline.incr(`${prefix}:n`);
    expect(await pipeline.exec()).toEqual([1, 2]);
    expect(await redis.eval("return ARGV[1]", [], ["echo"])).toBe("echo");
    const wrong = new Redis({ url: fake.url, token: "wrong", retry: false });
    await expect(wrong.get("x")).rejects.toThrow(/Unauthorized/);
  });

  test("50 parallel requests against a limit of 10 admit exactly 10", async () => {
    await clearOfWindowEdge(hourWindow);
    const limiter = createUpstashLimiter(
      { url: fake.url, token: fake.token, prefix },
      { limit: 10, windowMs: hourWindow },
    );
    const results = await Promise.all(
      Array.from({ length: 50 }, () => limiter.limit("user:exact")),
    );
    expect(results.filter((r) => r.success)).toHaveLength(10);
    expect(results.find((r) => !r.success)).toMatchObject({ limit: 10, remaining: 0 });
  });

  test("peek reads without counting, reset forgets", async () => {
    const limiter = createUpstashLimiter(
      { url: fake.url, token: fake.token, prefix },
      { limit: 2, windowMs: 60_000 },
    );
    expect((await limiter.peek("user:peek")).remaining).toBe(2);
    await limiter.limit("user:peek");
    await limiter.limit("user:peek");
    expect(await limiter.peek("user:peek")).toMatchObject({ success: false, remaining: 0 });
    await limiter.reset("user:peek");
    expect((await limiter.limit("user:peek")).success).toBe(true);
  });
});
