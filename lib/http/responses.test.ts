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

describe("logging a failed request", () => {
  // Every line the server would write, parsed: stdout for debug and info, stderr for the rest.
  function captureLog() {
    const lines: Record<string, unknown>[] = [];
    const keep = (line: unknown) => lines.push(JSON.parse(String(line)));
    vi.spyOn(console, "log").mockImplementation(keep);
    vi.spyOn(console, "error").mockImplementation(keep);
    return lines;
  }

  test.each([
    ["VALIDATION_ERROR", 400],
    ["UNAUTHORIZED", 401],
    ["NOT_FOUND", 404],
    ["RATE_LIMITED", 429],
  ] as const)("a refused request (%s) is one info line without a stack", async (code, status) => {
    const { errorResponse, KilnError } = await load({ NODE_ENV: "production" });
    const lines = captureLog();
    errorResponse("v1", new KilnError(code, "name: must not be empty"), {
      requestId: "req-4xx",
      route: "POST /api/v1/api-keys",
    });
    vi.restoreAllMocks();
    expect(lines).toEqual([
      {
        time: expect.any(String),
        level: "info",
        message: "request refused",
        requestId: "req-4xx",
        route: "POST /api/v1/api-keys",
        status,
        code,
        detail: "name: must not be empty",
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain("stack");
  });

  test("an outside service failing (502, 503) is a warning naming its reason, without a stack", async () => {
    const { errorResponse, KilnError } = await load({ NODE_ENV: "production" });
    const lines = captureLog();
    errorResponse(
      "api",
      new KilnError("BAD_GATEWAY", "The model's answer is not a valid fragment", {
        reason: "invalid_output",
      }),
      { requestId: "req-502", route: "POST /api/chat" },
    );
    errorResponse("api", new KilnError("SERVICE_UNAVAILABLE", "The database is unavailable"), {
      requestId: "req-503",
    });
    vi.restoreAllMocks();
    expect(lines).toEqual([
      expect.objectContaining({
        level: "warn",
        requestId: "req-502",
        status: 502,
        code: "BAD_GATEWAY",
        reason: "invalid_output",
      }),
      expect.objectContaining({ level: "warn", requestId: "req-503", status: 503 }),
    ]);
    expect(JSON.stringify(lines)).not.toContain("stack");
  });

  test("a fault of Kiln's own is an error with its stack", async () => {
    const { errorResponse } = await load({ NODE_ENV: "production" });
    const lines = captureLog();
    errorResponse("api", new TypeError("cannot read properties of undefined"), {
      requestId: "req-500",
      route: "GET /api/chats",
    });
    vi.restoreAllMocks();
    expect(lines).toEqual([
      expect.objectContaining({
        level: "error",
        message: "request failed",
        requestId: "req-500",
        route: "GET /api/chats",
        status: 500,
        error: expect.objectContaining({
          name: "TypeError",
          stack: expect.stringContaining("TypeError: cannot read properties of undefined"),
        }),
      }),
    ]);
  });
});
