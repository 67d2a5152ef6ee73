import "server-only";
import { requestScheme } from "@/lib/cookies";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { createKilnHosts, normalizeHost, publishedHostsOptions, requestedHost } from "./kiln-hosts";

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A mutation carried by a cookie must come from a page Kiln served. Browsers always send
 * Sec-Fetch-Site or Origin on such requests; a request with neither is not from a browser page
 * and gets no benefit from the cookie. The Origin is held against Kiln's own hosts, never
 * against the request's Host alone: a DNS-rebinding page sends a Host that matches its Origin.
 */
export function assertSameOrigin(request: Request): void {
  if (safeMethods.has(request.method)) return;
  const site = request.headers.get("sec-fetch-site");
  if (site && site !== "same-origin") throw crossOrigin();
  const origin = request.headers.get("origin");
  if (origin === null && site === "same-origin") return;
  if (!origin || !isKilnOrigin(request, origin)) throw crossOrigin();
}

/**
 * For requests that carry no credentials yet (sign-in, sign-up): what a browser marks as from
 * another site is refused, and so is a foreign Origin; a client that sends neither header (curl,
 * a script) is not a browser, so no other site can be acting through it.
 */
export function assertNotFromAnotherSite(request: Request): void {
  if (safeMethods.has(request.method)) return;
  assertNotCrossSite(request);
  const site = request.headers.get("sec-fetch-site");
  if (site && site !== "same-origin") throw crossOrigin();
  const origin = request.headers.get("origin");
  if (origin !== null && !isKilnOrigin(request, origin)) throw crossOrigin();
}

/** Kiln's public origin: KILN_ORIGIN when set, else what the request was addressed to. */
export function appOrigin(request: Request): string {
  return getEnv().KILN_ORIGIN ?? originOfRequest(request);
}

/** Refuses a request that a browser says came from another site, whatever its credentials. */
export function assertNotCrossSite(request: Request): void {
  if (safeMethods.has(request.method)) return;
  const site = request.headers.get("sec-fetch-site");
  if (site === "cross-site" || site === "same-site") throw crossOrigin();
}

let hosts: { key: string; isKilnHost: (name: string) => boolean } | undefined;
function isKilnHost(name: string): boolean {
  const options = {
    ...publishedHostsOptions(),
    kilnOrigin: getEnv().KILN_ORIGIN,
    previewDomain: getEnv().KILN_PREVIEW_DOMAIN,
  };
  const key = `${options.kilnOrigin} ${options.bindAddress}`;
  if (hosts?.key !== key) hosts = { key, isKilnHost: createKilnHosts(options) };
  return hosts.isKilnHost(name);
}

/** KILN_ORIGIN, or the request's own origin when that is on one of Kiln's hosts. */
function isKilnOrigin(request: Request, origin: string): boolean {
  if (origin === "null" || !URL.canParse(origin)) return false;
  const given = new URL(origin);
  const configured = getEnv().KILN_ORIGIN;
  if (configured && given.origin === new URL(configured).origin) return true;
  const own = URL.canParse(originOfRequest(request)) ? new URL(originOfRequest(request)) : null;
  const name = normalizeHost(given.host);
  return own !== null && given.origin === own.origin && name !== undefined && isKilnHost(name);
}

function originOfRequest(request: Request): string {
  const headers = Object.fromEntries(request.headers);
  const host = requestedHost(headers, getEnv().KILN_TRUST_PROXY) ?? new URL(request.url).host;
  return `${requestScheme(request)}://${host}`;
}

function crossOrigin() {
  return new KilnError(
    "FORBIDDEN",
    "Cross-origin request refused: this action must come from Kiln's own pages",
  );
}
