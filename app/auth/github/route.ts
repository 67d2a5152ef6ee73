import { safeNextPath } from "@/lib/auth/next-path";
import { supabaseGithubEnabled, supabaseGithubSignIn } from "@/lib/auth/supabase-accounts";
import { getEnv } from "@/lib/env";
import { appOrigin } from "@/lib/http/origin";
import { log } from "@/lib/log";

// GET /auth/github?next=… — "Continue with GitHub" on the login page: off to Supabase (and
// GitHub's consent) with this browser's PKCE verifier in a cookie; back at /auth/callback.
// Not an API route: a browser follows it, and a sign-in that cannot start lands on /login.
export async function GET(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const redirect = (location: string, cookies: string[] = []) => {
    const headers = new Headers({ Location: location, "Cache-Control": "private, no-store" });
    for (const cookie of cookies) headers.append("Set-Cookie", cookie);
    return new Response(null, { status: 303, headers });
  };
  if (!getEnv().isSupabaseAuth || !(await supabaseGithubEnabled())) {
    return redirect("/login?error=github");
  }
  try {
    const started = await supabaseGithubSignIn(request, {
      origin: appOrigin(request),
      next: safeNextPath(url.searchParams.get("next")),
    });
    return redirect(started.url, started.setCookies);
  } catch (error) {
    log.warn("auth.github_start_failed", {
      reason: error instanceof Error ? error.message : "unknown",
    });
    return redirect("/login?error=github");
  }
}
