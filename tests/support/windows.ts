/**
 * Windows are fixed and aligned to the clock (as Upstash's are), so a test whose requests
 * straddle a window's end would see its budget renewed halfway. Wait out the last seconds of
 * a window instead; every window used here is a whole number of minutes.
 */
export async function clearOfWindowEdge(marginMs = 8_000) {
  const untilEdge = 60_000 - (Date.now() % 60_000);
  if (untilEdge < marginMs) await new Promise((resolve) => setTimeout(resolve, untilEdge + 50));
}
