// Throughput runs shared by the HTTP benchmarks: autocannon against one URL, rounds in A-B-B-A
// order so that drift in the machine (JIT warm-up, GC, other load) falls on both routes alike,
// and the benchmarks' own build, whose bare baseline route a normal build does not ship.
import { execFileSync } from "node:child_process";
import path from "node:path";
import autocannon from "autocannon";
import { cleanEnv } from "../tests/support/kiln-server.ts";

export interface Measured {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

export async function measure(
  url: string,
  headers: Record<string, string>,
  duration: number,
  connections = 50,
): Promise<Measured> {
  const result = await autocannon({ url, connections, duration, headers });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx + result.errors,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

export function combine(runs: Measured[]): Measured {
  return {
    requestsPerSecond: Math.round(runs.reduce((s, r) => s + r.requestsPerSecond, 0) / runs.length),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
  };
}

/**
 * Baseline and subject measured in A-B-B-A rounds, `seconds` in all for each, after a warm-up
 * of both.
 */
export async function compare(
  baseline: { url: string; headers?: Record<string, string> },
  subject: { url: string; headers?: Record<string, string> },
  options: { seconds: number; rounds?: number; connections?: number },
): Promise<{ baseline: Measured; subject: Measured; secondsPerRoute: number }> {
  const rounds = options.rounds ?? 2;
  const run = (target: typeof baseline, duration: number) =>
    measure(target.url, target.headers ?? {}, duration, options.connections);
  await run(baseline, 2);
  await run(subject, 2);
  const slice = Math.max(1, Math.round(options.seconds / (rounds * 2)));
  const a: Measured[] = [];
  const b: Measured[] = [];
  for (let round = 0; round < rounds; round++) {
    a.push(await run(baseline, slice));
    b.push(await run(subject, slice));
    b.push(await run(subject, slice));
    a.push(await run(baseline, slice));
  }
  return { baseline: combine(a), subject: combine(b), secondsPerRoute: slice * rounds * 2 };
}

/** The benchmarks' build (.next-bench, with the bare route), made from the current code. */
export const benchBuildEnv = { KILN_BENCH_BUILD: "1" };
export function buildBenchCopy(name: string) {
  console.error(`${name}: building the benchmark copy (.next-bench)`);
  execFileSync(process.execPath, ["node_modules/next/dist/bin/next", "build"], {
    cwd: path.resolve(import.meta.dirname, ".."),
    env: cleanEnv(benchBuildEnv),
    stdio: ["ignore", process.stderr, process.stderr],
  });
}
