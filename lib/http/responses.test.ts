import { afterAll, describe, expect, test, vi } from "vitest";
import { importWithEnv } from "@/tests/support/env";

type Responses = typeof import("./responses") & typeof import("@/lib/errors");

// Fresh modules per environment; KilnError must come from the same fresh graph as the code.
async function load(env: Record<string, string> = {}): Promise<Responses> {
  const responses = await importWithEnv<typeof import("./responses")>("@/lib/http/responses", env);
  return { ...responses, ...(await import("@/lib/errors")) };
}
afterAll(() => vi.unstubAllEnvs());

describe("errorResponse", () => {
  test("/api errors are { error: true, message }; /api/v1 errors carry code and details", async () => {
    const { errorResponse, KilnError } = await load();
    const error = new KilnError("NOT_FOUND", "API key not found");
    const api = errorResponse("api", error, { requestId: "r1" });
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({ error: true, message: "API key not found" });
    const v1 = errorResponse("v1", error, { requestId: "r1" });
    expect(await v1.json()).toEqual({
      success: false,
      error: { code: "NOT_FOUND", message: "API key not found", details: {} },
    });
    expect(v1.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(v1.headers.get("cache-control")).toBe("no-store");
  });

  test("an error's own headers are sent (Retry-After, Allow)", async () => {
    const { errorResponse, KilnError } = await load();
    const error = new KilnError("RATE_LIMITED", "slow down", { headers: { "Retry-After": "7" } });
    const response = errorResponse("api", error, { requestId: "r" });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
  });

  test("in production an unexpected error says only a generic message and the request id", async () => {
    const { errorResponse } = await load({ NODE_ENV: "production" });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = errorResponse("v1", new Error("password=hunter2 at db.internal:5432"), {
      requestId: "req-42",
    });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      success: false,
      error: {
        code: "INTERNAL_ERROR",
        message: "Internal server error (request req-42)",
        details: {},
      },
    });
    expect(text).not.toContain("hunter2");
    expect(String(logged.mock.calls[0]?.[0])).toContain("req-42");
    logged.mockRestore();
  });

  test("in development the cause is shown to help the developer", async () => {
    const { errorResponse } = await load({ NODE_ENV: "development" });
    vi.spyOn(console, "error").mockImplementation(() => {});
    const response = errorResponse("api", new Error("boom"), { requestId: "r9" });
    expect(await response.json()).toEqual({
      error: true,
      message: "Internal server error: boom (request r9)",
    });
    vi.restoreAllMocks();
  });
});
