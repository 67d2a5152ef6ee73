import { afterAll, describe, expect, test, vi } from "vitest";
import { importWithEnv } from "@/tests/support/env";

type Origin = typeof import("./origin");

const request = (
  method: string,
  headers: Record<string, string>,
  url = "http://127.0.0.1:3000/api/x",
) => new Request(url, { method, headers: { host: new URL(url).host, ...headers } });

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

  test("otherwise Origin must be the request's own on one of Kiln's hosts", async () => {
    const { assertSameOrigin } = await importWithEnv<Origin>("@/lib/http/origin");
    expect(() =>
      assertSameOrigin(request("POST", { origin: "http://127.0.0.1:3000" })),
    ).not.toThrow();
    expect(() =>
      assertSameOrigin(
        request("POST", { origin: "http://localhost:3000" }, "http://localhost:3000/x"),
      ),
    ).not.toThrow();
    expect(() => assertSameOrigin(request("DELETE", { origin: "http://evil.test" }))).toThrow();
    // Another port of the same machine is another origin.
    expect(() => assertSameOrigin(request("POST", { origin: "http://127.0.0.1:8080" }))).toThrow();
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

  test("a Host that agrees with its Origin is not enough (DNS rebinding)", async () => {
    const { assertSameOrigin } = await importWithEnv<Origin>("@/lib/http/origin");
    const rebound = "http://evil.example:3000/api/v1/api-keys";
    expect(() =>
      assertSameOrigin(request("POST", { origin: "http://evil.example:3000" }, rebound)),
    ).toThrow(/Cross-origin request refused/);
    expect(() =>
      assertSameOrigin(
        request(
          "POST",
          { origin: "http://evil.example:3000", "sec-fetch-site": "same-origin" },
          rebound,
        ),
      ),
    ).toThrow(/Cross-origin request refused/);
  });

  test("KILN_ORIGIN, when set, is accepted besides loopback origins", async () => {
    const { assertSameOrigin, appOrigin } = await importWithEnv<Origin>("@/lib/http/origin", {
      KILN_ORIGIN: "https://kiln.example.com",
    });
    const r = request("POST", { origin: "https://kiln.example.com" }, "http://kiln.example.com/x");
    expect(() => assertSameOrigin(r)).not.toThrow();
    expect(() =>
      assertSameOrigin(request("POST", { origin: "http://kiln.test" }, "http://kiln.test/x")),
    ).toThrow();
    expect(() =>
      assertSameOrigin(request("POST", { origin: "http://127.0.0.1:3000" })),
    ).not.toThrow();
    expect(appOrigin(r)).toBe("https://kiln.example.com");
  });

  test("X-Forwarded-Proto and X-Forwarded-Host count only behind a trusted proxy", async () => {
    const headers = {
      origin: "https://kiln.example.com",
      "x-forwarded-proto": "https",
      "x-forwarded-host": "kiln.example.com",
    };
    const untrusted = await importWithEnv<Origin>("@/lib/http/origin", {
      KILN_ORIGIN: "https://kiln.example.com",
    });
    const local = { ...headers, origin: "https://127.0.0.1:3000" };
    expect(() => untrusted.assertSameOrigin(request("POST", local))).toThrow();
    const trusted = await importWithEnv<Origin>("@/lib/http/origin", { KILN_TRUST_PROXY: "1" });
    // Behind the proxy, without KILN_ORIGIN, the forwarded host must still be one of Kiln's.
    expect(() => trusted.assertSameOrigin(request("POST", headers))).toThrow();
    const viaLocalName = {
      ...headers,
      "x-forwarded-host": "localhost",
      origin: "https://localhost",
    };
    expect(() => trusted.assertSameOrigin(request("POST", viaLocalName))).not.toThrow();
  });
});

describe("assertNotFromAnotherSite (sign-in, sign-up, sign-out)", () => {
  test("a foreign Origin or a cross-site fetch is refused; a script sending neither is not", async () => {
    const { assertNotFromAnotherSite } = await importWithEnv<Origin>("@/lib/http/origin");
    expect(() => assertNotFromAnotherSite(request("POST", {}))).not.toThrow();
    expect(() =>
      assertNotFromAnotherSite(request("POST", { origin: "http://127.0.0.1:3000" })),
    ).not.toThrow();
    expect(() =>
      assertNotFromAnotherSite(request("POST", { "sec-fetch-site": "same-origin" })),
    ).not.toThrow();
    const foreign: Record<string, string>[] = [
      { origin: "https://evil.example" },
      { origin: "null" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
      { "sec-fetch-site": "none" },
    ];
    for (const headers of foreign) {
      expect(() => assertNotFromAnotherSite(request("POST", headers))).toThrow(
        /Cross-origin request refused/,
      );
    }
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
