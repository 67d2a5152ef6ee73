import "server-only";
import { authenticateApiKey } from "@/lib/api-keys/api-keys";
import { getSessionCaller, sessionCookieName } from "@/lib/auth/sessions";
import { getSupabaseCaller } from "@/lib/auth/supabase";
import type { Caller } from "@/lib/auth/types";
import { bearerToken, readCookie } from "@/lib/cookies";
import { getEnv } from "@/lib/env";

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
  return cookie ? getSessionCaller(cookie, request) : null;
}
