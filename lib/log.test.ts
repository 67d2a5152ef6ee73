import { afterEach, describe, expect, test, vi } from "vitest";
import { log, redact } from "./log";

describe("redact", () => {
  test("masks values under credential-like keys at any depth", () => {
    expect(
      redact({
        password: "hunter2",
        headers: { Authorization: "Bearer abc", cookie: "kiln_session=xyz", accept: "json" },
        nested: { deeper: { apiKey: "k", api_key: "k", client_secret: "s", refresh_token: "t" } },
      }),
    ).toEqual({
      password: "[redacted]",
      headers: { Authorization: "[redacted]", cookie: "[redacted]", accept: "json" },
      nested: {
        deeper: {
          apiKey: "[redacted]",
          api_key: "[redacted]",
          client_secret: "[redacted]",
          refresh_token: "[redacted]",
        },
      },
    });
  });

  test("masks credential-shaped strings wherever they appear", () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc_def-123";
    const text = `key kiln_AbCdEf123456789 and sk-proj-0123456789abcdef and ${jwt} done`;
    expect(redact(text)).toBe("key [redacted] and [redacted] and [redacted] done");
    expect(redact(["kiln_AbCdEf123456789"])).toEqual(["[redacted]"]);
    expect(redact("google AIzaSyDk0123456789abcdefghijABCDEFGHIJK ok")).toBe(
      "google [redacted] ok",
    );
    expect(
      redact("token ghp_0123456789abcdefABCDEF0123 and github_pat_11ABCDEFG0123456789_xyz"),
    ).toBe("token [redacted] and [redacted]");
  });

  test("errors keep name and message, with secrets masked", () => {
    const result = redact(new TypeError("bad key kiln_AbCdEf123456789")) as Record<string, unknown>;
    expect(result.name).toBe("TypeError");
    expect(result.message).toBe("bad key [redacted]");
    expect(String(result.stack)).not.toContain("kiln_AbCdEf123456789");
  });

  test("bearer credentials are masked in strings and header lists", () => {
    expect(redact("upstream said: Authorization: Bearer ghp_abc.DEF-123/x=")).toBe(
      "upstream said: Authorization: [redacted]",
    );
    expect(redact([["authorization", "Bearer opaque-token-1"]])).toEqual([
      ["authorization", "[redacted]"],
    ]);
  });

  test("objects nested too deep are cut off, never written unmasked", () => {
    let deep: Record<string, unknown> = { password: "hunter2" };
    for (let i = 0; i < 10; i++) deep = { a: deep };
    const out = JSON.stringify(redact(deep));
    expect(out).not.toContain("hunter2");
    expect(out).toBe(`${'{"a":'.repeat(7)}"[truncated]"${"}".repeat(7)}`);
  });

  test("ordinary values pass through", () => {
    expect(redact({ n: 1, ok: true, none: null, list: ["a"] })).toEqual({
      n: 1,
      ok: true,
      none: null,
      list: ["a"],
    });
  });
});

describe("log", () => {
  afterEach(() => vi.restoreAllMocks());

  test("writes one JSON line per call; warnings and errors to stderr", () => {
    const out = vi.spyOn(console, "log").mockImplementation(() => {});
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    log.info("user.signed_in", { userId: "u1", token: "secret-value" });
    log.error("request failed", { authorization: "Bearer x" });
    expect(out).toHaveBeenCalledTimes(1);
    expect(err).toHaveBeenCalledTimes(1);
    const info = JSON.parse(String(out.mock.calls[0]?.[0]));
    expect(info).toMatchObject({ level: "info", message: "user.signed_in", userId: "u1" });
    expect(info.token).toBe("[redacted]");
    expect(new Date(info.time).getTime()).not.toBeNaN();
    expect(String(err.mock.calls[0]?.[0])).not.toContain("Bearer x");
  });

  test("a circular value is logged, not thrown", () => {
    const out = vi.spyOn(console, "log").mockImplementation(() => {});
    const request: Record<string, unknown> = { url: "/x" };
    request.self = request;
    expect(() => log.info("loop", { request })).not.toThrow();
    expect(JSON.parse(String(out.mock.calls[0]?.[0])).request.url).toBe("/x");
  });
});
