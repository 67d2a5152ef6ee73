import { networkInterfaces } from "node:os";
import { describe, expect, test } from "vitest";
import { createKilnHosts, isLoopbackHost, normalizeHost, requestedHost } from "./kiln-hosts";
import { normalizePreviewDomain, previewHostLabel } from "./preview-hosts";

describe("normalizeHost", () => {
  test.each([
    ["LocalHost:3000", "localhost"],
    ["127.0.0.1:3210", "127.0.0.1"],
    ["[::1]:3000", "::1"],
    ["kiln.example.com.", "kiln.example.com"],
    // Browsers read these IPv4 spellings as 127.0.0.1; so does the check.
    ["0x7f.1", "127.0.0.1"],
    ["2130706433", "127.0.0.1"],
  ])("%s is %s", (host, name) => {
    expect(normalizeHost(host)).toBe(name);
  });

  test.each(["", " ", "evil.example/x", "a@b", "[::1"])("%j is not a host", (host) => {
    expect(normalizeHost(host)).toBeUndefined();
  });
});

test("loopback names are localhost, *.localhost, 127.0.0.0/8 and ::1", () => {
  for (const name of ["localhost", "app.localhost", "127.0.0.1", "127.8.9.10", "::1"]) {
    expect(isLoopbackHost(name)).toBe(true);
  }
  for (const name of ["localhost.evil.example", "evil-localhost", "128.0.0.1", "10.0.0.1"]) {
    expect(isLoopbackHost(name)).toBe(false);
  }
});

describe("createKilnHosts", () => {
  test("with KILN_ORIGIN: its host and loopback names, nothing else", () => {
    const isKiln = createKilnHosts({
      kilnOrigin: "https://Kiln.Example.com",
      bindAddress: "0.0.0.0",
    });
    expect(isKiln("kiln.example.com")).toBe(true);
    expect(isKiln("localhost")).toBe(true);
    expect(isKiln("127.0.0.1")).toBe(true);
    expect(isKiln("evil.example")).toBe(false);
    expect(isKiln("example.com")).toBe(false);
  });

  test("bound to one address: that address and loopback names", () => {
    const isKiln = createKilnHosts({ bindAddress: "127.0.0.1" });
    expect(isKiln("127.0.0.1")).toBe(true);
    expect(isKiln("localhost")).toBe(true);
    expect(isKiln("evil.example")).toBe(false);
    const lan = createKilnHosts({ bindAddress: "192.168.1.20" });
    expect(lan("192.168.1.20")).toBe(true);
    expect(lan("192.168.1.21")).toBe(false);
  });

  test("bound to every interface: each interface's address", () => {
    const isKiln = createKilnHosts({ bindAddress: "0.0.0.0" });
    const addresses = Object.values(networkInterfaces())
      .flat()
      .filter((info) => info?.family === "IPv4")
      .map((info) => info!.address);
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) expect(isKiln(address)).toBe(true);
    expect(isKiln("203.0.113.7")).toBe(false);
    expect(isKiln("evil.example")).toBe(false);
  });
});

test("X-Forwarded-Host names the host only behind a trusted proxy", () => {
  const headers = { host: "127.0.0.1:3000", "x-forwarded-host": "evil.example, kiln.example" };
  expect(requestedHost(headers, 0)).toBe("127.0.0.1:3000");
  expect(requestedHost(headers, 1)).toBe("kiln.example");
  expect(requestedHost({ host: "kiln.example" }, 1)).toBe("kiln.example");
});

describe("preview host names", () => {
  test("are never Kiln's own, under the default or a configured preview domain", () => {
    const local = createKilnHosts({ bindAddress: "127.0.0.1" });
    expect(local("localhost")).toBe(true);
    expect(local("app.localhost")).toBe(true);
    expect(local("0123abcd.preview.localhost")).toBe(false);
    expect(local("preview.localhost")).toBe(false);
    const hosted = createKilnHosts({
      kilnOrigin: "https://kiln.example.com",
      bindAddress: "0.0.0.0",
      previewDomain: "preview.example.com",
    });
    expect(hosted("kiln.example.com")).toBe(true);
    expect(hosted("0123abcd.preview.example.com")).toBe(false);
  });

  test("carry one label under the preview domain; look-alikes are not previews", () => {
    const domain = normalizePreviewDomain(undefined);
    expect(domain).toBe("preview.localhost");
    expect(normalizePreviewDomain(" .Preview.Example.com. ")).toBe("preview.example.com");
    expect(previewHostLabel("0123abcd.preview.localhost", domain)).toBe("0123abcd");
    expect(previewHostLabel("a.b.preview.localhost", domain)).toBe("");
    expect(previewHostLabel("preview.localhost", domain)).toBe("");
    expect(previewHostLabel("x.preview.localhost.evil.com", domain)).toBeUndefined();
    expect(previewHostLabel("xpreview.localhost", domain)).toBeUndefined();
    expect(previewHostLabel("localhost", domain)).toBeUndefined();
  });
});
