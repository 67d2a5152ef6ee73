import "server-only";
import { getEnv } from "@/lib/env";
import { createMemoryLimiter } from "./memory";
import type { Limiter, RateLimitSpec } from "./types";
import { createUpstashLimiter } from "./upstash";

const limiters = new Map<string, Limiter>();

/**
 * The limiter for one named counter. In-process by default; shared by every instance through
 * Upstash Redis when UPSTASH_REDIS_REST_URL and _TOKEN are set.
 */
export function getLimiter(name: string, spec: RateLimitSpec): Limiter {
  const id = `${name}:${spec.limit}:${spec.windowMs}`;
  let limiter = limiters.get(id);
  if (!limiter) {
    const env = getEnv();
    limiter =
      env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN
        ? createUpstashLimiter(
            {
              url: env.UPSTASH_REDIS_REST_URL,
              token: env.UPSTASH_REDIS_REST_TOKEN,
              prefix: `kiln:${id}`,
            },
            spec,
          )
        : createMemoryLimiter(spec);
    limiters.set(id, limiter);
  }
  return limiter;
}
