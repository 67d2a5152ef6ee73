import { afterAll, expect, test, vi } from "vitest";
import { importWithEnv } from "@/tests/support/env";

type ClientAddress = typeof import("./client-address");
afterAll(() => vi.unstubAllEnvs());

const headers = (xff?: string) =>
  new Headers({ "x-kiln-client-address": "10.0.0.9", ...(xff ? { "x-forwarded-for": xff } : {}) });

test("without a trusted proxy the socket address is used and X-Forwarded-For ignored", async () => {
  const { getClientAddress } = await importWithEnv<ClientAddress>("@/lib/http/client-address");
  expect(getClientAddress(headers("1.2.3.4"))).toBe("10.0.0.9");
});

test("with N trusted proxies the Nth address from the right is the client", async () => {
  const one = await importWithEnv<ClientAddress>("@/lib/http/client-address", {
    KILN_TRUST_PROXY: "1",
  });
  // A client may put anything on the left; the trusted proxy appends what it saw.
  expect(one.getClientAddress(headers("6.6.6.6, 1.2.3.4"))).toBe("1.2.3.4");
  expect(one.getClientAddress(headers())).toBe("10.0.0.9");
  const two = await importWithEnv<ClientAddress>("@/lib/http/client-address", {
    KILN_TRUST_PROXY: "2",
  });
  expect(two.getClientAddress(headers("6.6.6.6, 1.2.3.4, 172.16.0.1"))).toBe("1.2.3.4");
  expect(two.getClientAddress(headers("1.2.3.4"))).toBe("1.2.3.4");
});
