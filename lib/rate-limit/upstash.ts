import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { KilnError } from "@/lib/errors";
import type { Limiter, RateLimitSpec } from "./types";

/** The store could not answer. Callers decide whether to fail open or closed. */
export class LimiterUnavailableError extends KilnError {
  constructor() {
    super("SERVICE_UNAVAILABLE", "The rate-limit store (Upstash Redis) could not be reached");
  }
}

async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch {
    // The client's error may quote the request; the token never leaves through it.
    throw new LimiterUnavailableError();
  }
}

export function createUpstashLimiter(
  options: { url: string; token: string; prefix: string },
  spec: RateLimitSpec,
): Limiter {
  // One quick retry: a request waits on this, and an outage should not hold it for seconds.
  const redis = new Redis({
    url: options.url,
    token: options.token,
    retry: { retries: 1, backoff: () => 50 },
  });
  const ratelimit = new Ratelimit({
    redis,
    limiter: Ratelimit.fixedWindow(spec.limit, `${spec.windowMs} ms`),
    prefix: options.prefix,
    analytics: false,
  });
  return {
    limit: (key) =>
      guarded(async () => {
        const r = await ratelimit.limit(key);
        return { success: r.success, limit: r.limit, remaining: r.remaining, reset: r.reset };
      }),
    peek: (key) =>
      guarded(async () => {
        const r = await ratelimit.getRemaining(key);
        return {
          success: r.remaining > 0,
          limit: spec.limit,
          remaining: r.remaining,
          reset: r.reset,
        };
      }),
    reset: (key) => guarded(() => ratelimit.resetUsedTokens(key)),
  };
}
