import "server-only";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";

// A base URL sent by a client makes Kiln's server open connections on the client's behalf. By
// default only public addresses are allowed, so a request cannot reach Kiln's own network
// (databases, metadata services, other internal APIs) through the model client. Admins run the
// instance and may point it anywhere (a model server on localhost is the usual self-hosted
// setup), unless the policy is "off".

function isPrivate(address: string): boolean {
  if (isIP(address) === 4) {
    const [a = 0, b = 0] = address.split(".").map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      a >= 224
    );
  }
  const v6 = address.toLowerCase();
  if (v6.startsWith("::ffff:")) {
    // An IPv4-mapped address, which URL parsing writes in hex: ::ffff:7f00:1 is 127.0.0.1.
    const rest = v6.slice(7);
    if (rest.includes(".")) return isPrivate(rest);
    const [high = 0, low = 0] = rest.split(":").map((h) => Number.parseInt(h, 16));
    return isPrivate([high >> 8, high & 255, low >> 8, low & 255].join("."));
  }
  return (
    v6 === "::" ||
    v6 === "::1" ||
    v6.startsWith("fc") ||
    v6.startsWith("fd") ||
    v6.startsWith("fe80") ||
    v6.startsWith("ff")
  );
}

const refuse = (message: string) =>
  new KilnError("VALIDATION_ERROR", `config.baseURL: ${message}`, {
    details: { field: "config.baseURL" },
  });

/** Throws unless this server lets this client send model requests to `url`. */
export async function assertClientBaseUrl(
  url: string,
  client: { isAdmin: boolean } = { isAdmin: false },
): Promise<void> {
  const configured = getEnv().KILN_CLIENT_BASE_URLS;
  const policy = configured === "public" && client.isAdmin ? "any" : configured;
  if (policy === "off") throw refuse("this server does not accept client-supplied base URLs");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse("must be a valid URL");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw refuse("must be an http or https URL");
  }
  if (parsed.username || parsed.password) throw refuse("must not contain credentials");
  if (policy === "any") return;
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host)
    ? [host]
    : await lookup(host, { all: true }).then(
        (found) => found.map((a) => a.address),
        () => {
          throw refuse(`the host ${host} could not be resolved`);
        },
      );
  if (addresses.some(isPrivate)) {
    throw refuse("must be a public address on this server (KILN_CLIENT_BASE_URLS=public)");
  }
}
