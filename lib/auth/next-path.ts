/** Only paths on this site: an open redirect through ?next= would hand the session's trust away. */
export function safeNextPath(next: string | null): string {
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return next;
}
