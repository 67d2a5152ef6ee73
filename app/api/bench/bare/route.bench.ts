// GET /api/bench/bare — the benchmarks' baseline: a bare route handler returning JSON shaped
// like /api/auth/me's, with none of Kiln's layers. A route only in the benchmarks' own build
// (KILN_BENCH_BUILD=1, see next.config.ts); a normal build and install has no such route.
const body = JSON.stringify({
  user: {
    id: "00000000-0000-4000-8000-000000000000",
    email: "bench@example.test",
    isAdmin: false,
    tier: "free",
  },
  authenticatedVia: "api_key",
});

export function GET(): Response {
  return new Response(body, { headers: { "content-type": "application/json" } });
}
