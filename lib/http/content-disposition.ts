// Content-Disposition for a download whose name may hold any character: a plain ASCII name for
// every client, and the exact name in UTF-8 (RFC 6266 / RFC 8187) for those that read it.
// Quotes, backslashes and control characters never reach the header.

export function attachment(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\]/g, "_");
  if (fallback === fileName) return `attachment; filename="${fileName}"`;
  const exact = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`;
}
