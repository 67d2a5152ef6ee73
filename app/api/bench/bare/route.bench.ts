import { getEnv } from "@/lib/env";

// GET /api/bench/bare — the benchmarks' baseline: a bare route handler returning JSON shaped
// like /api/auth/me's, with none of Kiln's layers. Served only with KILN_BENCH_ROUTES=true.
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
  if (!getEnv().KILN_BENCH_ROUTES) {
    return Response.json({ error: true, message: "Not found" }, { status: 404 });
  }
  return new Response(body, { headers: { "content-type": "application/json" } });
}
