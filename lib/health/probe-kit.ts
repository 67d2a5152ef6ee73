import "server-only";

export type ComponentStatus = "healthy" | "unhealthy" | "unconfigured";

export interface ProbeResult {
  status: ComponentStatus;
  latencyMs?: number;
  message: string;
  details?: Record<string, unknown>;
}

export const probeTimeoutMs = 2000;

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs a probe, timing it; a probe that throws is unhealthy with the error's message. */
export async function timed(
  fn: () => Promise<Omit<ProbeResult, "latencyMs">>,
): Promise<ProbeResult> {
  const started = performance.now();
  try {
    const result = await fn();
    return { ...result, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      status: "unhealthy",
      latencyMs: Math.round(performance.now() - started),
      message: (error as Error).message,
    };
  }
}

/**
 * Probes that reach outside services or start processes are cached: /health is public, and
 * must not let anyone turn Kiln into a load generator against its providers.
 */
export function cachedProbe(ttlMs: number, probe: () => Promise<ProbeResult>) {
  let cache: { at: number; result: Promise<ProbeResult> } | undefined;
  return (): Promise<ProbeResult> => {
    if (!cache || Date.now() - cache.at >= ttlMs) cache = { at: Date.now(), result: probe() };
    return cache.result;
  };
}

/** GET a URL with a timeout; throws a message that names what failed, never the credentials. */
export async function probeGet(
  url: string,
  headers: Record<string, string>,
  what: string,
): Promise<void> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(probeTimeoutMs) }).catch(
    (error: Error) => {
      const why = error.name === "TimeoutError" ? "timeout" : "unreachable";
      throw new Error(`${what} did not answer (${why})`);
    },
  );
  await response.body?.cancel();
  if (response.status === 401 || response.status === 403) {
    throw new Error(`${what} refused the API key (${response.status})`);
  }
  if (!response.ok) throw new Error(`${what} answered ${response.status}`);
}
