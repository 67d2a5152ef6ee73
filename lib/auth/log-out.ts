import "server-only";
import { readCookie } from "@/lib/cookies";
import { getEnv } from "@/lib/env";
import { clearedSessionCookie, deleteSession, sessionCookieName } from "./sessions";
import { supabaseLogOut } from "./supabase-accounts";

/** Ends the request's session; returns the Set-Cookie values that clear it in the browser. */
export async function logOut(request: Request): Promise<string[]> {
  if (getEnv().isSupabaseAuth) return supabaseLogOut(request);
  const token = readCookie(request.headers, sessionCookieName);
  if (token) await deleteSession(token);
  return [clearedSessionCookie(request)];
}
