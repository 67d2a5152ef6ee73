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
