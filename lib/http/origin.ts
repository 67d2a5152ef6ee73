import "server-only";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A mutation carried by a cookie must come from a page Kiln served. Browsers always send
 * Sec-Fetch-Site or Origin on such requests; a request with neither is not from a browser page
 * and gets no benefit from the cookie.
 */
export function assertSameOrigin(request: Request): void {
  if (safeMethods.has(request.method)) return;
  const site = request.headers.get("sec-fetch-site");
  if (site) {
    if (site === "same-origin") return;
    throw crossOrigin();
  }
  const origin = request.headers.get("origin");
  if (!origin || origin === "null" || !URL.canParse(origin)) throw crossOrigin();
  if (new URL(origin).origin !== new URL(appOrigin(request)).origin) throw crossOrigin();
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

function originOfRequest(request: Request): string {
  const host = request.headers.get("host") ?? new URL(request.url).host;
  const proto =
    getEnv().KILN_TRUST_PROXY > 0
      ? (request.headers.get("x-forwarded-proto") ?? "http")
      : new URL(request.url).protocol.replace(":", "");
  return `${proto}://${host}`;
}

function crossOrigin() {
  return new KilnError(
    "FORBIDDEN",
    "Cross-origin request refused: this action must come from Kiln's own pages",
  );
}
