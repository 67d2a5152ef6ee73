import "server-only";
import { authenticateApiKey } from "@/lib/api-keys/api-keys";
import { getEnv } from "@/lib/env";
import { getSessionCaller, sessionCookieName } from "./sessions";
import { getSupabaseCaller } from "./supabase";
import type { Caller } from "./types";

export function readCookie(headers: Headers, name: string): string | undefined {
  const header = headers.get("cookie");
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name)
      return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export function bearerToken(headers: Headers): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "");
  return match?.[1];
}

/**
 * Who sent this request: an API key in Authorization wins, then the session (Kiln's own cookie,
 * or Supabase's when Supabase Auth is configured). Null when nothing valid was presented.
 */
export async function resolveCaller(request: Request): Promise<Caller | null> {
  const token = bearerToken(request.headers);
  if (token) {
    const byKey = await authenticateApiKey(token);
    if (byKey) return byKey;
    if (getEnv().isSupabaseAuth) return getSupabaseCaller(request, token);
    return null;
  }
  if (getEnv().isSupabaseAuth) return getSupabaseCaller(request);
  const cookie = readCookie(request.headers, sessionCookieName);
  return cookie ? getSessionCaller(cookie) : null;
}
