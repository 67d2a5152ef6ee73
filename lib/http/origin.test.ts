import { afterAll, describe, expect, test, vi } from "vitest";
import { importWithEnv } from "@/tests/support/env";

type Origin = typeof import("./origin");

const request = (method: string, headers: Record<string, string>, url = "http://kiln.test/api/x") =>
  new Request(url, { method, headers: { host: new URL(url).host, ...headers } });

afterAll(() => vi.unstubAllEnvs());

describe("assertSameOrigin", () => {
  test("reads are always allowed", async () => {
    const { assertSameOrigin } = await importWithEnv<Origin>("@/lib/http/origin");
    expect(() =>
      assertSameOrigin(request("GET", { "sec-fetch-site": "cross-site" })),
    ).not.toThrow();
  });

  test("Sec-Fetch-Site decides when the browser sends it", async () => {
    const { assertSameOrigin } = await importWithEnv<Origin>("@/lib/http/origin");
    expect(() =>
      assertSameOrigin(request("POST", { "sec-fetch-site": "same-origin" })),
    ).not.toThrow();
    for (const site of ["same-site", "cross-site", "none"]) {
      expect(() => assertSameOrigin(request("POST", { "sec-fetch-site": site }))).toThrow(
        /Cross-origin request refused/,
      );
    }
  });

  test("otherwise Origin must match the host; a missing or null Origin is refused", async () => {
    const { assertSameOrigin } = await importWithEnv<Origin>("@/lib/http/origin");
    expect(() => assertSameOrigin(request("POST", { origin: "http://kiln.test" }))).not.toThrow();
    expect(() => assertSameOrigin(request("DELETE", { origin: "http://evil.test" }))).toThrow();
    expect(() => assertSameOrigin(request("POST", { origin: "null" }))).toThrow();
    expect(() => assertSameOrigin(request("POST", {}))).toThrow();
    // An unparsable Origin is refused as cross-origin (403), not a TypeError (500).
    expect(() => assertSameOrigin(request("POST", { origin: "not a url" }))).toThrow(
      /Cross-origin request refused/,
    );
    try {
      assertSameOrigin(request("POST", {}));
    } catch (error) {
      expect((error as { status: number }).status).toBe(403);
    }
  });

  test("KILN_ORIGIN, when set, is the one origin accepted", async () => {
    const { assertSameOrigin, appOrigin } = await importWithEnv<Origin>("@/lib/http/origin", {
      KILN_ORIGIN: "https://kiln.example.com",
    });
    const r = request("POST", { origin: "https://kiln.example.com" });
    expect(() => assertSameOrigin(r)).not.toThrow();
    expect(() => assertSameOrigin(request("POST", { origin: "http://kiln.test" }))).toThrow();
    expect(appOrigin(r)).toBe("https://kiln.example.com");
  });

  test("X-Forwarded-Proto counts only behind a trusted proxy", async () => {
    const headers = { origin: "https://kiln.test", "x-forwarded-proto": "https" };
    const untrusted = await importWithEnv<Origin>("@/lib/http/origin");
    expect(() => untrusted.assertSameOrigin(request("POST", headers))).toThrow();
    const trusted = await importWithEnv<Origin>("@/lib/http/origin", { KILN_TRUST_PROXY: "1" });
    expect(() => trusted.assertSameOrigin(request("POST", headers))).not.toThrow();
  });
});

describe("assertNotCrossSite", () => {
  test("refuses mutations a browser marks as from another site, whatever the credentials", async () => {
    const { assertNotCrossSite } = await importWithEnv<Origin>("@/lib/http/origin");
    expect(() => assertNotCrossSite(request("POST", { "sec-fetch-site": "cross-site" }))).toThrow();
    expect(() => assertNotCrossSite(request("POST", { "sec-fetch-site": "same-site" }))).toThrow();
    expect(() => assertNotCrossSite(request("POST", {}))).not.toThrow();
    expect(() =>
      assertNotCrossSite(request("GET", { "sec-fetch-site": "cross-site" })),
    ).not.toThrow();
  });
});
