import { expect, test } from "vitest";
import { isPublicAddress } from "./public-address";

// IANA's special-purpose blocks, and the IPv6 forms that carry an IPv4 address inside.

test.each([
  "0.0.0.0",
  "0.1.2.3",
  "10.0.0.1",
  "100.64.0.1",
  "100.127.255.254",
  "127.0.0.1",
  "127.255.255.255",
  "169.254.169.254",
  "172.16.0.1",
  "172.31.255.255",
  "192.0.0.8",
  "192.0.2.1",
  "192.88.99.1",
  "192.168.1.1",
  "198.18.0.1",
  "198.19.255.255",
  "198.51.100.7",
  "203.0.113.9",
  "224.0.0.1",
  "239.255.255.250",
  "240.0.0.1",
  "255.255.255.255",
  "::",
  "::1",
  "::127.0.0.1", // IPv4-compatible
  "::8.8.8.8", // IPv4-compatible, deprecated: never routed
  "::ffff:127.0.0.1",
  "::ffff:7f00:1",
  "::ffff:a9fe:a9fe",
  "[::ffff:10.0.0.1]",
  "64:ff9b::7f00:1", // NAT64 to loopback
  "64:ff9b::10.1.2.3",
  "64:ff9b:1::8.8.8.8", // local-use NAT64
  "100::1", // discard-only
  "2001::1", // Teredo
  "2001:2::1", // benchmarking
  "2001:10::1", // ORCHID
  "2001:db8::1",
  "2002:7f00:1::1", // 6to4 of 127.0.0.1
  "2002:c0a8:101::1", // 6to4 of 192.168.1.1
  "3fff::1",
  "fc00::1",
  "fd12:3456::1",
  "fe80::1",
  "fe80::1%eth0",
  "fec0::1",
  "ff02::1",
  "not an address",
  "localhost",
])("%s is not public", (address) => {
  expect(isPublicAddress(address)).toBe(false);
});

test.each([
  "8.8.8.8",
  "93.184.215.14",
  "1.1.1.1",
  "100.63.255.255",
  "100.128.0.0",
  "172.15.255.255",
  "172.32.0.0",
  "192.0.3.1",
  "198.20.0.1",
  "223.255.255.255",
  "2606:4700:4700::1111",
  "2a00:1450:4001:80b::200e",
  "[2001:4860:4860::8888]",
  "::ffff:8.8.8.8",
  "64:ff9b::8.8.8.8",
  "2002:808:808::1", // 6to4 of 8.8.8.8
])("%s is public", (address) => {
  expect(isPublicAddress(address)).toBe(true);
});
