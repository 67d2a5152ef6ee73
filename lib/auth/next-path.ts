/** Only paths on this site: an open redirect through ?next= would hand the session's trust away. */
export function safeNextPath(next: string | null): string {
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  // Resolve it as a browser will, which drops tabs and newlines: "/\t/evil.example" is off-site.
  try {
    if (new URL(next, "http://kiln.invalid").host !== "kiln.invalid") return "/";
  } catch {
    return "/";
  }
  return next;
}
