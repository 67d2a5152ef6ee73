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
