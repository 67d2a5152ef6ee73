import "server-only";
import { Redis } from "@upstash/redis";
import { getEnv } from "@/lib/env";
import { cachedProbe, type ProbeResult, probeTimeoutMs, timed, withTimeout } from "./probe-kit";

/** The shared rate-limit store: PING over Upstash's REST API when it is configured. */
export const probeRedis = cachedProbe(10_000, async (): Promise<ProbeResult> => {
  const env = getEnv();
  if (!env.UPSTASH_REDIS_REST_URL || !env.UPSTASH_REDIS_REST_TOKEN) {
    return {
      status: "unconfigured",
      message: "rate limits are counted in memory (set UPSTASH_REDIS_REST_URL to share them)",
    };
  }
  const redis = new Redis({
    url: env.UPSTASH_REDIS_REST_URL,
    token: env.UPSTASH_REDIS_REST_TOKEN,
    retry: false,
  });
  return timed(async () => {
    const reply = await withTimeout(
      redis.ping().catch(() => {
        throw new Error("Upstash Redis did not answer");
      }),
      probeTimeoutMs,
      "Upstash Redis",
    );
    if (reply !== "PONG") throw new Error("Upstash Redis answered PING unexpectedly");
    return { status: "healthy", message: "Upstash Redis answered PING" };
  });
});
