import { safeNextPath } from "@/lib/auth/next-path";
import { supabaseExchangeCode } from "@/lib/auth/supabase-accounts";
import { getEnv } from "@/lib/env";
import { saveGithubToken } from "@/lib/github/credentials";
import { log } from "@/lib/log";

// GET /auth/callback?code=…&next=… — where Supabase sends a browser back: from the link in a
// confirmation email, or from signing in with GitHub. Not an API route: a browser arrives here
// and leaves with a session, or at /login. After a GitHub sign-in, the GitHub token Supabase
// hands over becomes the user's GitHub connection (imports and pushes need no token pasted).
export async function GET(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const code = url.searchParams.get("code");
  const redirect = (location: string, cookies: string[] = []) => {
    const headers = new Headers({ Location: location, "Cache-Control": "private, no-store" });
    for (const cookie of cookies) headers.append("Set-Cookie", cookie);
    return new Response(null, { status: 303, headers });
  };
  if (!getEnv().isSupabaseAuth || !code) return redirect("/login?error=link");
  let signedIn: Awaited<ReturnType<typeof supabaseExchangeCode>>;
  try {
    signedIn = await supabaseExchangeCode(request, code);
  } catch (error) {
    log.warn("auth.callback_failed", {
      reason: error instanceof Error ? error.message : "unknown",
    });
    return redirect("/login?error=link");
  }
  if (signedIn.githubToken) {
    // The sign-in stands whatever GitHub says; without a token the user can still paste one.
    await saveGithubToken({
      userId: signedIn.userId,
      token: signedIn.githubToken,
      origin: "sign-in",
    }).catch((error) =>
      log.warn("auth.github_token_not_saved", {
        reason: error instanceof Error ? error.message : "unknown",
      }),
    );
  }
  return redirect(safeNextPath(url.searchParams.get("next")), signedIn.setCookies);
}
