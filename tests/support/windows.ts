import { setTimeout as sleepUntil } from "node:timers/promises";

/**
 * Windows are fixed and aligned to the clock (as Upstash's are), so a test whose requests
 * straddle a window's end would see its budget renewed halfway. Before such a test, make sure
 * the current window has at least `marginMs` left; if not, wait for the next one to begin.
 * Tests use hour-long windows where Kiln lets them choose (a wait is then rare), and a margin
 * that a test needs only a fraction of on a loaded two-core machine.
 */
export async function clearOfWindowEdge(
  windowMs: number,
  marginMs = Math.min(30_000, windowMs / 4),
): Promise<void> {
  let untilEdge = windowMs - (Date.now() % windowMs);
  while (untilEdge < marginMs) {
    await sleepUntil(untilEdge + 1);
    untilEdge = windowMs - (Date.now() % windowMs);
  }
}

export const hourWindow = 3_600_000;
/** The tier limits' window: per minute, fixed by Kiln. */
export const minuteWindow = 60_000;
