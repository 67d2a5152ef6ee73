// Headers every response carries, pages and API alike. Next's inline bootstrap scripts need
// 'unsafe-inline' without per-request nonces; everything else is held to Kiln's own origin.
export function securityHeaders(options: {
  isProduction: boolean;
  connectSources?: string[];
  /** Where previews may be framed from besides Kiln itself (E2B's hosts). */
  frameSources?: string[];
}): Record<string, string> {
  const connect = ["'self'", ...(options.connectSources ?? [])].join(" ");
  const frames = ["'self'", ...(options.frameSources ?? [])].join(" ");
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${options.isProduction ? "" : " 'unsafe-eval'"}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${connect}`,
    `frame-src ${frames}`,
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join("; ");
  return {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "X-XSS-Protection": "1; mode=block",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Content-Security-Policy": csp,
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    ...(options.isProduction
      ? { "Strict-Transport-Security": "max-age=63072000; includeSubDomains" }
      : {}),
  };
}

/**
 * Headers on every proxied response. The preview is untrusted code served from Kiln's origin:
 * the CSP sandbox gives its documents an opaque origin even when opened top-level, so they can
 * neither read Kiln's cookies or storage nor call Kiln's API as the user; Kiln's IDE alone may
 * frame it. Its subresource and fetch requests are cross-origin (origin "null"), hence the
 * wildcard CORS: module scripts need it, and it grants nothing the capability URL does not.
 */
export const previewContentSecurityPolicy =
  "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads; frame-ancestors 'self'";
export const previewHeaders: Readonly<Record<string, string>> = {
  "Content-Security-Policy": previewContentSecurityPolicy,
  "X-Frame-Options": "SAMEORIGIN",
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "X-XSS-Protection": "1; mode=block",
  // The path holds the token: other sites see only Kiln's origin.
  "Referrer-Policy": "strict-origin-when-cross-origin",
  "Access-Control-Allow-Origin": "*",
};
