import "server-only";
import type { Caller } from "@/lib/auth/types";
import { type Env, getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { log } from "@/lib/log";
import { getLimiter } from "@/lib/rate-limit/get-limiter";
import { type LimitResult, parseWindowSpec, type RateLimitSpec } from "@/lib/rate-limit/types";
import { LimiterUnavailableError } from "@/lib/rate-limit/upstash";
import type { RateLimitGroup, Surface } from "@/lib/route-contract";

// The seed's numbers bind API-key and anonymous callers. A signed-in browser is a person at an
// editor, whose pages make many small requests, so it gets its own, roomier set.
function specFor(env: Env, group: RateLimitGroup, isBrowser: boolean): RateLimitSpec {
  const table: Record<RateLimitGroup, [string, string]> = {
    general: [env.KILN_RATE_LIMIT_GENERAL, env.KILN_RATE_LIMIT_SESSION_GENERAL],
    llm: [env.KILN_RATE_LIMIT_LLM, env.KILN_RATE_LIMIT_SESSION_LLM],
    github: [env.KILN_RATE_LIMIT_GITHUB, env.KILN_RATE_LIMIT_SESSION_GITHUB],
    deploy: [env.KILN_RATE_LIMIT_DEPLOY, env.KILN_RATE_LIMIT_SESSION_DEPLOY],
  };
  return parseWindowSpec(table[group][isBrowser ? 1 : 0]);
}

function tierSpec(env: Env, caller: Caller | null): RateLimitSpec {
  const tier = caller?.user.tier ?? "free";
  const perMinute = {
    free: env.KILN_RATE_LIMIT_TIER_FREE,
    pro: env.KILN_RATE_LIMIT_TIER_PRO,
    enterprise: env.KILN_RATE_LIMIT_TIER_ENTERPRISE,
  }[tier];
  return { limit: perMinute, windowMs: 60_000 };
}

/**
 * Counts this request against every limit that applies and returns the headers to send. On
 * /api/v1, API-key and anonymous callers are held to their tier's per-minute limit in place of
 * the general group. Throws RATE_LIMITED (with the same headers) when any limit is spent.
 */
export async function applyRateLimit(options: {
  group: RateLimitGroup;
  surface: Surface;
  caller: Caller | null;
  clientAddress: string;
}): Promise<Headers> {
  const env = getEnv();
  const { group, surface, caller } = options;
  const isBrowser = caller?.kind === "session" || caller?.kind === "supabase";
  const subject = caller ? `user:${caller.user.id}` : `addr:${options.clientAddress}`;

  const checks: { name: string; spec: RateLimitSpec }[] = [];
  if (surface === "v1" && !isBrowser) {
    checks.push({ name: `tier-${caller?.user.tier ?? "free"}`, spec: tierSpec(env, caller) });
    if (group !== "general") checks.push({ name: group, spec: specFor(env, group, false) });
  } else {
    checks.push({
      name: `${group}${isBrowser ? "-browser" : ""}`,
      spec: specFor(env, group, isBrowser),
    });
  }

  let results: LimitResult[];
  try {
    results = await Promise.all(checks.map((c) => getLimiter(c.name, c.spec).limit(subject)));
  } catch (error) {
    if (!(error instanceof LimiterUnavailableError)) throw error;
    // Request limits fail open: an outage of the shared store must not take the API down with
    // it. (Sign-in throttling fails closed instead; see lib/auth/log-in.ts.)
    log.warn("rate_limit.store_unavailable", { group, reason: error.message });
    return new Headers();
  }
  const denied = results.find((r) => !r.success);
  const shown = denied ?? results.reduce((a, b) => (b.remaining < a.remaining ? b : a));
  const headers = rateLimitHeaders(shown);
  if (denied) {
    headers.set("Retry-After", String(Math.max(1, Math.ceil((denied.reset - Date.now()) / 1000))));
    throw new KilnError("RATE_LIMITED", "Too many requests; try again later", {
      headers: Object.fromEntries(headers),
      details: { limit: denied.limit, reset: Math.ceil(denied.reset / 1000) },
    });
  }
  return headers;
}

export function rateLimitHeaders(result: LimitResult): Headers {
  return new Headers({
    "X-RateLimit-Limit": String(result.limit),
    "X-RateLimit-Remaining": String(result.remaining),
    "X-RateLimit-Reset": String(Math.ceil(result.reset / 1000)),
  });
}
