import { describe, expect, test } from "vitest";
import { createMemoryLimiter } from "./memory";
import { parseWindowSpec } from "./types";

describe("memory limiter", () => {
  test("50 parallel requests against a limit of 10 admit exactly 10", async () => {
    const limiter = createMemoryLimiter({ limit: 10, windowMs: 60_000 });
    const results = await Promise.all(Array.from({ length: 50 }, () => limiter.limit("user:1")));
    expect(results.filter((r) => r.success)).toHaveLength(10);
    expect(results.at(-1)).toMatchObject({ success: false, remaining: 0, limit: 10 });
  });

  test("a new window starts afresh and keys are independent", async () => {
    let now = 1_000_000;
    const limiter = createMemoryLimiter({ limit: 2, windowMs: 1000 }, () => now);
    expect((await limiter.limit("a")).remaining).toBe(1);
    expect((await limiter.limit("a")).remaining).toBe(0);
    expect((await limiter.limit("a")).success).toBe(false);
    expect((await limiter.limit("b")).success).toBe(true);
    const blocked = await limiter.peek("a");
    expect(blocked).toEqual({ success: false, limit: 2, remaining: 0, reset: 1_001_000 });
    now += 1000;
    expect(await limiter.limit("a")).toEqual({
      success: true,
      limit: 2,
      remaining: 1,
      reset: 1_002_000,
    });
  });

  test("peek does not count and reset forgets", async () => {
    const limiter = createMemoryLimiter({ limit: 1, windowMs: 60_000 });
    await limiter.peek("k");
    expect((await limiter.limit("k")).success).toBe(true);
    expect((await limiter.limit("k")).success).toBe(false);
    await limiter.reset("k");
    expect((await limiter.limit("k")).success).toBe(true);
  });
});

describe("parseWindowSpec", () => {
  test.each([
    ["100/15m", { limit: 100, windowMs: 900_000 }],
    ["10/1m", { limit: 10, windowMs: 60_000 }],
    ["5/30s", { limit: 5, windowMs: 30_000 }],
    ["1/1h", { limit: 1, windowMs: 3_600_000 }],
  ])("%s", (spec, expected) => {
    expect(parseWindowSpec(spec)).toEqual(expected);
  });

  test("rejects nonsense", () => {
    expect(() => parseWindowSpec("fast")).toThrow('invalid rate limit "fast"');
  });
});
