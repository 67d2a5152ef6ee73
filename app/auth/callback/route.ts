import { safeNextPath } from "@/lib/auth/next-path";
import { supabaseExchangeCode } from "@/lib/auth/supabase-accounts";
import { getEnv } from "@/lib/env";
import { log } from "@/lib/log";

// GET /auth/callback?code=…&next=… — where Supabase sends a confirmed email address back. Not an
// API route: a browser arrives here from an email and leaves with a session, or at /login.
export async function GET(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const code = url.searchParams.get("code");
  const redirect = (location: string, cookies: string[] = []) => {
    const headers = new Headers({ Location: location, "Cache-Control": "private, no-store" });
    for (const cookie of cookies) headers.append("Set-Cookie", cookie);
    return new Response(null, { status: 303, headers });
  };
  if (!getEnv().isSupabaseAuth || !code) return redirect("/login?error=link");
  try {
    const cookies = await supabaseExchangeCode(request, code);
    return redirect(safeNextPath(url.searchParams.get("next")), cookies);
  } catch (error) {
    log.warn("auth.callback_failed", {
      reason: error instanceof Error ? error.message : "unknown",
    });
    return redirect("/login?error=link");
  }
}
