import "server-only";
import { getEnv } from "@/lib/env";

/** Set by Kiln's server from the socket; anything a client sends under this name is overwritten. */
export const clientAddressHeader = "x-kiln-client-address";

/**
 * The address rate limits key on. X-Forwarded-For counts only when KILN_TRUST_PROXY says how
 * many proxies in front of Kiln append to it; then the entry that many places from the right
 * is the one the outermost trusted proxy saw.
 */
export function getClientAddress(headers: Headers): string {
  const socket = headers.get(clientAddressHeader) ?? "unknown";
  const hops = getEnv().KILN_TRUST_PROXY;
  if (hops === 0) return socket;
  const chain = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return chain[chain.length - hops] ?? chain[0] ?? socket;
}
