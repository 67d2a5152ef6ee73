import { type NextRequest, NextResponse } from "next/server";
import { getEnv } from "@/lib/env";
import { normalizePreviewDomain } from "@/lib/http/preview-hosts";
import { requestIdFor } from "@/lib/http/request-gate";
import { securityHeaders } from "@/lib/http/security-headers";
import { supabaseForRequest } from "@/lib/supabase/server";

// Next 16 calls this file "proxy" (it was middleware.ts before). It does only cheap per-request
// work: a request id, security headers, and sending page visits without a session to /login.
// Whether a session is valid is decided in lib/http, where the database is. In Supabase Auth
// mode it also refreshes an expired Supabase session before a page renders, because a server
// component cannot write the refreshed cookies itself.

const publicPages = new Set(["/login", "/signup", "/auth/callback", "/auth/github"]);

function hasSessionCookie(request: NextRequest): boolean {
  if (request.cookies.has("kiln_session")) return true;
  return request.cookies
    .getAll()
    .some((c) => c.name.startsWith("sb-") && c.name.includes("-auth-token"));
}

async function refreshSupabaseSession(request: NextRequest): Promise<string[]> {
  const supabase = supabaseForRequest(request);
  const { error } = await supabase.client.auth.getSession();
  // Supabase unreachable: the page renders with what the browser has, and says so if it must.
  if (error) return [];
  for (const { name, value } of supabase.written) request.cookies.set(name, value);
  return supabase.setCookies;
}

export async function proxy(request: NextRequest) {
  const env = getEnv();
  const requestId = requestIdFor(request.headers.get("x-request-id"));
  const { pathname } = request.nextUrl;

  const isPage =
    !pathname.startsWith("/api/") &&
    !pathname.startsWith("/v1/") &&
    !pathname.startsWith("/_next/") &&
    pathname !== "/health" &&
    !/\.[a-z0-9]+$/i.test(pathname);
  let response: NextResponse;
  if (isPage && !publicPages.has(pathname) && !hasSessionCookie(request)) {
    const url = request.nextUrl.clone();
    url.pathname = "/login";
    url.search =
      pathname === "/" ? "" : `?next=${encodeURIComponent(pathname + request.nextUrl.search)}`;
    response = NextResponse.redirect(url);
  } else {
    const refreshed =
      isPage && env.isSupabaseAuth && hasSessionCookie(request)
        ? await refreshSupabaseSession(request)
        : [];
    const headers = new Headers(request.headers);
    headers.set("x-request-id", requestId);
    response = NextResponse.next({ request: { headers } });
    for (const cookie of refreshed) response.headers.append("Set-Cookie", cookie);
    if (refreshed.length > 0) response.headers.set("Cache-Control", "private, no-store");
  }

  const supabase = env.NEXT_PUBLIC_SUPABASE_URL
    ? [new URL(env.NEXT_PUBLIC_SUPABASE_URL).origin]
    : [];
  const e2bPreviews = env.E2B_API_KEY ? [`https://*.${env.E2B_DOMAIN}`] : [];
  // Local previews are served each on its own origin under the preview domain (server.ts).
  const previewDomain = normalizePreviewDomain(env.KILN_PREVIEW_DOMAIN);
  const localPreviews = [`http://*.${previewDomain}:*`, `https://*.${previewDomain}:*`];
  const headers = securityHeaders({
    isProduction: env.isProduction,
    connectSources: supabase,
    frameSources: [...localPreviews, ...e2bPreviews],
  });
  for (const [name, value] of Object.entries(headers)) {
    response.headers.set(name, value);
  }
  response.headers.set("X-Request-Id", requestId);
  return response;
}

// Every path, static files included: the security headers belong on every response.
export const config = { matcher: "/:path*" };
