// Authenticated GET /api/auth/me with an API key, against a bare route handler returning the
// same JSON from the same server, in the same run: what Kiln's HTTP layer (caller resolution,
// rate limit, envelope) costs. Goal: ratio of throughputs >= 0.7.
import { execFileSync } from "node:child_process";
import path from "node:path";
import autocannon from "autocannon";
import { TestClient } from "../tests/support/client.ts";
import { cleanEnv, startKiln } from "../tests/support/kiln-server.ts";

const connections = 50;
// Total measured seconds per route, split over rounds in A-B-B-A order so that drift in the
// machine (JIT warm-up, GC, other load) falls on both routes alike.
const seconds = Number(process.env.BENCH_SECONDS ?? 12);
const rounds = 2;

interface Measured {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

async function measure(url: string, headers: Record<string, string>, duration: number) {
  const result = await autocannon({ url, connections, duration, headers });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx + result.errors,
  } satisfies Measured;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

function combine(runs: Measured[]): Measured {
  return {
    requestsPerSecond: Math.round(runs.reduce((s, r) => s + r.requestsPerSecond, 0) / runs.length),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
  };
}

// The baseline route exists only in a build of the benchmarks' own (next.config.ts), made here
// from the current code so the figures never describe an older tree.
const benchBuild = { KILN_BENCH_BUILD: "1" };
console.error("auth-me: building the benchmark copy (.next-bench)");
execFileSync(process.execPath, ["node_modules/next/dist/bin/next", "build"], {
  cwd: path.resolve(import.meta.dirname, ".."),
  env: cleanEnv(benchBuild),
  stdio: ["ignore", process.stderr, process.stderr],
});

const kiln = await startKiln({
  env: {
    ...benchBuild,
    KILN_RATE_LIMIT_GENERAL: "1000000000/15m",
    KILN_RATE_LIMIT_SESSION_GENERAL: "1000000000/1m",
  },
});
try {
  const browser = new TestClient(kiln.url);
  await browser.signUp();
  const { key } = await browser.createApiKey("bench");
  const auth = { authorization: `Bearer ${key}` };
  const bareUrl = `${kiln.url}/api/bench/bare`;
  const meUrl = `${kiln.url}/api/auth/me`;

  // Warm both paths (JIT, caches, the database handle) before anything is counted.
  await measure(bareUrl, {}, 2);
  await measure(meUrl, auth, 2);
  const slice = Math.max(1, Math.round(seconds / (rounds * 2)));
  const bare: Measured[] = [];
  const me: Measured[] = [];
  for (let round = 0; round < rounds; round++) {
    bare.push(await measure(bareUrl, {}, slice));
    me.push(await measure(meUrl, auth, slice));
    me.push(await measure(meUrl, auth, slice));
    bare.push(await measure(bareUrl, {}, slice));
  }
  const baseline = combine(bare);
  const subject = combine(me);
  const ratio = Number((subject.requestsPerSecond / baseline.requestsPerSecond).toFixed(3));
  console.log(
    JSON.stringify({
      name: "auth-me-api-key",
      description: "GET /api/auth/me with an API key vs a bare route handler, same server",
      connections,
      secondsPerRoute: Math.max(1, Math.round(seconds / (rounds * 2))) * rounds * 2,
      baseline: { route: "GET /api/bench/bare", ...baseline },
      subject: { route: "GET /api/auth/me (Bearer kiln_…)", ...subject },
      ratio,
      goal: ">= 0.7",
      met: ratio >= 0.7 && subject.non2xx === 0 && baseline.non2xx === 0,
    }),
  );
} finally {
  await kiln.stop();
}
