import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import type { Limiter, RateLimitSpec } from "./types";

export function createUpstashLimiter(
  options: { url: string; token: string; prefix: string },
  spec: RateLimitSpec,
): Limiter {
  const redis = new Redis({ url: options.url, token: options.token });
  const ratelimit = new Ratelimit({
    redis,
    limiter: Ratelimit.fixedWindow(spec.limit, `${spec.windowMs} ms`),
    prefix: options.prefix,
    analytics: false,
  });
  return {
    async limit(key) {
      const r = await ratelimit.limit(key);
      return { success: r.success, limit: r.limit, remaining: r.remaining, reset: r.reset };
    },
    async peek(key) {
      const r = await ratelimit.getRemaining(key);
      return {
        success: r.remaining > 0,
        limit: spec.limit,
        remaining: r.remaining,
        reset: r.reset,
      };
    },
    async reset(key) {
      await ratelimit.resetUsedTokens(key);
    },
  };
}
