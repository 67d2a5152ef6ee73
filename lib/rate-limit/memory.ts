import type { Limiter, LimitResult, RateLimitSpec } from "./types";

// Counting happens synchronously between awaits, so concurrent requests in this process can
// never both take the last slot.
export function createMemoryLimiter(spec: RateLimitSpec, now: () => number = Date.now): Limiter {
  const windows = new Map<string, { count: number; reset: number }>();
  let nextSweep = 0;

  const current = (key: string) => {
    const time = now();
    if (time >= nextSweep) {
      for (const [k, w] of windows) if (w.reset <= time) windows.delete(k);
      nextSweep = time + spec.windowMs;
    }
    let window = windows.get(key);
    if (!window || window.reset <= time) {
      window = {
        count: 0,
        reset: Math.floor(time / spec.windowMs) * spec.windowMs + spec.windowMs,
      };
      windows.set(key, window);
    }
    return window;
  };

  const result = (w: { count: number; reset: number }, success: boolean): LimitResult => ({
    success,
    limit: spec.limit,
    remaining: Math.max(0, spec.limit - w.count),
    reset: w.reset,
  });

  return {
    async limit(key) {
      const w = current(key);
      if (w.count >= spec.limit) return result(w, false);
      w.count += 1;
      return result(w, true);
    },
    async peek(key) {
      const w = current(key);
      return result(w, w.count < spec.limit);
    },
    async reset(key) {
      windows.delete(key);
    },
  };
}
