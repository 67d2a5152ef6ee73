// Authenticated GET /api/auth/me with an API key, against a bare route handler returning the
// same JSON from the same server, in the same run: what Kiln's HTTP layer (caller resolution,
// rate limit, envelope) costs. Goal: ratio of throughputs >= 0.7.
import { TestClient } from "../tests/support/client.ts";
import { startKiln } from "../tests/support/kiln-server.ts";
import { benchBuildEnv, buildBenchCopy, compare } from "./load.ts";

const connections = 50;
const seconds = Number(process.env.BENCH_SECONDS ?? 12);

buildBenchCopy("auth-me");
const kiln = await startKiln({
  env: {
    ...benchBuildEnv,
    KILN_RATE_LIMIT_GENERAL: "1000000000/15m",
    KILN_RATE_LIMIT_SESSION_GENERAL: "1000000000/1m",
  },
});
try {
  const browser = new TestClient(kiln.url);
  await browser.signUp();
  const { key } = await browser.createApiKey("bench");
  const { baseline, subject, secondsPerRoute } = await compare(
    { url: `${kiln.url}/api/bench/bare` },
    { url: `${kiln.url}/api/auth/me`, headers: { authorization: `Bearer ${key}` } },
    { seconds, connections },
  );
  const ratio = Number((subject.requestsPerSecond / baseline.requestsPerSecond).toFixed(3));
  console.log(
    JSON.stringify({
      name: "auth-me-api-key",
      description: "GET /api/auth/me with an API key vs a bare route handler, same server",
      connections,
      secondsPerRoute,
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
