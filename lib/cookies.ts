import "server-only";
import { getEnv } from "@/lib/env";

// Reading credentials off a request's headers, and how cookies for it must be set.

/**
 * A cookie's value, or undefined when the request has none that can be read: a value with
 * malformed percent-encoding is no credential, so the request goes on as one without it.
 */
export function readCookie(headers: Headers, name: string): string | undefined {
  const header = headers.get("cookie");
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function bearerToken(headers: Headers): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "");
  return match?.[1];
}

/**
 * The scheme the browser used to reach Kiln: X-Forwarded-Proto (the entry the outermost trusted
 * proxy wrote) when KILN_TRUST_PROXY is set, else the connection's own.
 */
export function requestScheme(request: Request): "http" | "https" {
  const hops = getEnv().KILN_TRUST_PROXY;
  const forwarded = request.headers.get("x-forwarded-proto");
  if (hops > 0 && forwarded) {
    const chain = forwarded
      .split(",")
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    return (chain[chain.length - hops] ?? chain[0]) === "https" ? "https" : "http";
  }
  return new URL(request.url).protocol === "https:" ? "https" : "http";
}

/**
 * Whether cookies set for this request carry Secure. A browser drops a Secure cookie set over
 * plain http (except on localhost), so following NODE_ENV would break sign-in on a LAN install
 * served over http; the scheme the browser actually uses decides instead.
 */
export function wantsSecureCookies(request: Request): boolean {
  const origin = getEnv().KILN_ORIGIN;
  if (origin && new URL(origin).protocol === "https:") return true;
  return requestScheme(request) === "https";
}
