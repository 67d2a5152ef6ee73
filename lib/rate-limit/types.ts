export interface RateLimitSpec {
  limit: number;
  windowMs: number;
}

export interface LimitResult {
  success: boolean;
  limit: number;
  remaining: number;
  /** When the current window ends, in epoch milliseconds. */
  reset: number;
}

/** A fixed-window counter per key. `limit` counts one request; `peek` only reads. */
export interface Limiter {
  limit(key: string): Promise<LimitResult>;
  peek(key: string): Promise<LimitResult>;
  reset(key: string): Promise<void>;
}

export function parseWindowSpec(spec: string): RateLimitSpec {
  const match = /^(\d+)\/(\d+)(ms|s|m|h)$/.exec(spec);
  if (!match) throw new Error(`invalid rate limit "${spec}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[3] as "ms" | "s" | "m" | "h"];
  return { limit: Number(match[1]), windowMs: Number(match[2]) * unit };
}
