import "server-only";
import { createServerClient, parseCookieHeader, serializeCookieHeader } from "@supabase/ssr";
import type { SupabaseClient } from "@supabase/supabase-js";
import { wantsSecureCookies } from "@/lib/cookies";
import { getEnv } from "@/lib/env";

export interface RequestSupabase {
  client: SupabaseClient;
  /** Set-Cookie values the client wrote (a refreshed or ended session), for the response. */
  setCookies: string[];
  /** The same cookies as name and value, for a request passed on (proxy.ts). */
  written: { name: string; value: string }[];
  /** Cache headers @supabase/ssr asks for whenever it writes auth cookies. */
  headers: Record<string, string>;
}

/**
 * A Supabase client bound to one request's cookies. A new one per request: @supabase/ssr keeps
 * per-request state (the session it read, the cookies it wrote).
 */
export function supabaseForRequest(request: Request): RequestSupabase {
  const env = getEnv();
  const url = env.NEXT_PUBLIC_SUPABASE_URL;
  const anonKey = env.NEXT_PUBLIC_SUPABASE_ANON_KEY;
  if (!url || !anonKey) throw new Error("Supabase Auth is not configured");
  const result: RequestSupabase = {
    client: undefined as never,
    setCookies: [],
    written: [],
    headers: {},
  };
  result.client = createServerClient(url, anonKey, {
    cookieOptions: {
      secure: wantsSecureCookies(request),
      sameSite: "lax",
      httpOnly: true,
      path: "/",
    },
    cookies: {
      getAll: () =>
        parseCookieHeader(request.headers.get("cookie") ?? "").map(({ name, value }) => ({
          name,
          value: value ?? "",
        })),
      setAll: (cookies, headers) => {
        for (const { name, value, options } of cookies) {
          result.setCookies.push(serializeCookieHeader(name, value, options));
          result.written.push({ name, value });
        }
        Object.assign(result.headers, headers);
      },
    },
    auth: { autoRefreshToken: false, detectSessionInUrl: false, persistSession: true },
    global: { headers: { "x-client-info": "kiln" } },
  });
  return result;
}
