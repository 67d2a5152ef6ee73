import "server-only";
import { BlockList, isIP } from "node:net";

// Which addresses a client may make Kiln connect to: only globally routable ones. The blocks are
// IANA's special-purpose registries for IPv4 and IPv6 (RFC 6890 and its updates). Deny wins, so a
// block that is partly routable (2001::/23) is denied whole: no model API lives there.

const deniedV4 = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, where cloud metadata services answer
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, and 255.255.255.255 (broadcast) within it
] as const) {
  deniedV4.addSubnet(network, prefix, "ipv4");
}

const deniedV6 = new BlockList();
for (const [network, prefix] of [
  ["2001::", 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID...
  ["2001:db8::", 32], // documentation
  ["3fff::", 20], // documentation
] as const) {
  deniedV6.addSubnet(network, prefix, "ipv6");
}

/** The eight 16-bit groups of an IPv6 address (dotted IPv4 tails included). */
function groups(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, "");
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) => (part ? part.split(":").map((h) => Number.parseInt(h, 16)) : []);
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...new Array(8 - front.length - back.length).fill(0), ...back];
}

const v4Of = (high: number, low: number) => [high >> 8, high & 255, low >> 8, low & 255].join(".");

function isPublicV6(address: string): boolean {
  const g = groups(address);
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const upperZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  // Forms that carry an IPv4 address: the connection goes to (or through) that address, so it
  // is the one that must be public. IPv4-mapped ::ffff:a.b.c.d and NAT64's 64:ff9b::a.b.c.d.
  if (upperZero && g5 === 0xffff) return isPublicAddress(v4Of(g6, g7));
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return isPublicAddress(v4Of(g6, g7));
  }
  // 6to4: 2002:aabb:ccdd::/48 routes to aa.bb.cc.dd.
  if (g0 === 0x2002) return isPublicAddress(v4Of(g1, g2));
  // Only 2000::/3 is global unicast. Outside it: ::, ::1, IPv4-compatible ::a.b.c.d, the local
  // NAT64 64:ff9b:1::/48, discard-only 100::/64, unique-local fc00::/7, link-local fe80::/10,
  // site-local fec0::/10 and multicast ff00::/8.
  if ((g0 & 0xe000) !== 0x2000) return false;
  return !deniedV6.check(address.replace(/%.*$/, ""), "ipv6");
}

/** True when `address` (an IP literal, brackets allowed) is globally routable. */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "");
  switch (isIP(bare)) {
    case 4:
      return !deniedV4.check(bare, "ipv4");
    case 6:
      return isPublicV6(bare);
    default:
      return false;
  }
}
