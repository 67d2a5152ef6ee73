/**
 * Headers on every proxied response. Each preview is served at the root of its own origin
 * (`<token>.preview.localhost`, see preview-host.ts), so it can reach neither Kiln's cookies nor
 * its storage nor call its API as the user; only Kiln's own pages may frame it (its IDE).
 * `frameAncestors` lists them, as a CSP source list.
 */
export function previewHeaders(frameAncestors: string): Readonly<Record<string, string>> {
  return {
    "Content-Security-Policy": `frame-ancestors ${frameAncestors}`,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-XSS-Protection": "1; mode=block",
    // The host name holds the token: no other origin learns it from a Referer.
    "Referrer-Policy": "same-origin",
  };
}
