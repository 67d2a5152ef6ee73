import { afterAll, expect, test, vi } from "vitest";
import { importWithEnv } from "@/tests/support/env";

type Module = typeof import("./client-base-url");
afterAll(() => vi.unstubAllEnvs());

test.each([
  "http://127.0.0.1:11434/v1",
  "http://localhost:8080/v1",
  "http://10.1.2.3/v1",
  "http://172.20.0.1/v1",
  "http://192.168.1.10/v1",
  "http://169.254.169.254/latest",
  "http://[::1]:8080/v1",
  "http://[fd00::1]/v1",
  "http://[::ffff:127.0.0.1]/v1",
  "http://0.0.0.0/v1",
  // Other spellings of an IPv4 address, which URL parsing turns into dotted form.
  "http://0x7f.1/v1",
  "http://2130706433/v1",
  "http://017700000001/v1",
  "http://127.1/v1",
  "http://0xa9fea9fe/latest",
  // Names that are loopback by definition.
  "http://foo.localhost/v1",
  "http://LOCALHOST.:8080/v1",
  // Special-purpose blocks beyond the private ranges.
  "http://100.64.0.1/v1",
  "http://192.0.0.8/v1",
  "http://198.18.0.1/v1",
  "http://192.0.2.1/v1",
  "http://255.255.255.255/v1",
  "http://[fe80::1]/v1",
  "http://[fec0::1]/v1",
  "http://[::]/v1",
  "http://[::127.0.0.1]/v1",
  "http://[64:ff9b::7f00:1]/v1",
  "http://[2002:7f00:1::1]/v1",
  "http://[2001:db8::1]/v1",
  "http://[ff02::1]/v1",
])("by default %s (not a public address) is refused", async (url) => {
  const { assertClientBaseUrl } = await importWithEnv<Module>("@/lib/ai/client-base-url");
  await expect(assertClientBaseUrl(url)).rejects.toThrow(
    /config\.baseURL: must be a public address/,
  );
});

test("public addresses pass; odd URLs are refused whatever the policy", async () => {
  const { assertClientBaseUrl } = await importWithEnv<Module>("@/lib/ai/client-base-url");
  await expect(assertClientBaseUrl("https://93.184.215.14/v1")).resolves.toBeUndefined();
  await expect(assertClientBaseUrl("ftp://93.184.215.14/")).rejects.toThrow(/http or https/);
  await expect(assertClientBaseUrl("not a url")).rejects.toThrow(/valid URL/);
  await expect(assertClientBaseUrl("https://user:pw@93.184.215.14/")).rejects.toThrow(
    /credentials/,
  );
});

test("KILN_CLIENT_BASE_URLS=any allows private addresses; off allows nothing", async () => {
  const any = await importWithEnv<Module>("@/lib/ai/client-base-url", {
    KILN_CLIENT_BASE_URLS: "any",
  });
  await expect(any.assertClientBaseUrl("http://127.0.0.1:11434/v1")).resolves.toBeUndefined();
  const off = await importWithEnv<Module>("@/lib/ai/client-base-url", {
    KILN_CLIENT_BASE_URLS: "off",
  });
  await expect(off.assertClientBaseUrl("https://93.184.215.14/v1")).rejects.toThrow(
    /does not accept/,
  );
});

test("an admin may use private addresses under the default policy, but not when it is off", async () => {
  const { assertClientBaseUrl } = await importWithEnv<Module>("@/lib/ai/client-base-url");
  await expect(
    assertClientBaseUrl("http://127.0.0.1:11434/v1", { isAdmin: true }),
  ).resolves.toBeUndefined();
  await expect(
    assertClientBaseUrl("http://127.0.0.1:11434/v1", { isAdmin: false }),
  ).rejects.toThrow();
  const off = await importWithEnv<Module>("@/lib/ai/client-base-url", {
    KILN_CLIENT_BASE_URLS: "off",
  });
  await expect(off.assertClientBaseUrl("http://127.0.0.1/v1", { isAdmin: true })).rejects.toThrow();
});
