import "server-only";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { supabaseForRequest } from "@/lib/supabase/server";
import type { LoginBody, SignupBody } from "./schemas";
import { supabaseAuthError, userForIdentity, verifyAccessToken } from "./supabase";
import type { AccountResult } from "./types";

// Sign-up, sign-in and sign-out when Supabase Auth owns accounts. Kiln's server talks to
// Supabase, so the browser never needs a Supabase client and the session cookies stay HttpOnly.

/** `origin`: Kiln's public origin, where the confirmation link comes back to. */
export async function supabaseSignUp(
  request: Request,
  body: SignupBody,
  origin: string,
): Promise<AccountResult> {
  const supabase = supabaseForRequest(request);
  // With email confirmation on, the link in the email comes back to /auth/callback.
  const { data, error } = await supabase.client.auth.signUp({
    ...body,
    options: { emailRedirectTo: `${origin}/auth/callback?next=/ide` },
  });
  if (error) throw supabaseAuthError(error);
  if (!data.user) throw badAnswer();
  // With confirmation on there is no session yet; the user row is still Kiln's from now on.
  const identity = data.session
    ? await verifyAccessToken(data.session.access_token, supabase.client)
    : { sub: data.user.id, email: data.user.email };
  if (!identity) throw badAnswer();
  return {
    user: await userForIdentity(identity),
    setCookies: supabase.setCookies,
    ...(data.session ? {} : { confirmationRequired: true as const }),
  };
}

export async function supabaseLogIn(request: Request, body: LoginBody): Promise<AccountResult> {
  const supabase = supabaseForRequest(request);
  const { data, error } = await supabase.client.auth.signInWithPassword(body);
  if (error) throw supabaseAuthError(error);
  const identity = await verifyAccessToken(data.session.access_token, supabase.client);
  if (!identity) throw badAnswer();
  return { user: await userForIdentity(identity), setCookies: supabase.setCookies };
}

/** Ends this browser's Supabase session (not the user's other devices) and clears its cookies. */
export async function supabaseLogOut(request: Request): Promise<string[]> {
  const supabase = supabaseForRequest(request);
  const { error } = await supabase.client.auth.signOut({ scope: "local" });
  // A session Supabase already forgot is signed out all the same.
  if (error && (!error.status || error.status >= 500)) throw supabaseAuthError(error);
  return supabase.setCookies;
}

const badAnswer = () =>
  new KilnError("BAD_GATEWAY", "Supabase Auth answered without a valid user or session");

/**
 * Finishes a sign-in link from Supabase (an email confirmation, or the way back from signing in
 * with GitHub): trades its code for a session. After a GitHub sign-in Supabase hands over the
 * GitHub token of the account once, here, as the session's provider token.
 */
export async function supabaseExchangeCode(
  request: Request,
  code: string,
): Promise<{ setCookies: string[]; userId: string; githubToken?: string }> {
  const supabase = supabaseForRequest(request);
  const { data, error } = await supabase.client.auth.exchangeCodeForSession(code);
  if (error) throw supabaseAuthError(error);
  const identity = await verifyAccessToken(data.session.access_token, supabase.client);
  if (!identity) throw badAnswer();
  const user = await userForIdentity(identity);
  const providerToken = data.session.provider_token;
  const isGithub = data.user.app_metadata?.provider === "github";
  return {
    setCookies: supabase.setCookies,
    userId: user.id,
    ...(isGithub && providerToken ? { githubToken: providerToken } : {}),
  };
}

/** Whether the Supabase project lets people sign in with GitHub (its Auth settings say so). */
export async function supabaseGithubEnabled(): Promise<boolean> {
  const now = Date.now();
  if (githubSetting && githubSetting.until > now) return githubSetting.enabled;
  const env = getEnv();
  try {
    const response = await fetch(`${env.NEXT_PUBLIC_SUPABASE_URL}/auth/v1/settings`, {
      headers: { apikey: env.NEXT_PUBLIC_SUPABASE_ANON_KEY ?? "" },
      signal: AbortSignal.timeout(3_000),
      redirect: "error",
    });
    const settings = response.ok
      ? ((await response.json()) as { external?: { github?: unknown } })
      : {};
    githubSetting = { enabled: settings.external?.github === true, until: now + 60_000 };
  } catch {
    // Unknown for now: asked again on the next page.
    return false;
  }
  return githubSetting.enabled;
}
let githubSetting: { enabled: boolean; until: number } | undefined;

/**
 * Starts a sign-in with GitHub through Supabase: where to send the browser (Supabase, then
 * GitHub's consent), and the cookie holding this browser's PKCE verifier, without which the code
 * that comes back is worth nothing. The scopes let Kiln import and push with the token.
 */
export async function supabaseGithubSignIn(
  request: Request,
  options: { origin: string; next: string },
): Promise<{ url: string; setCookies: string[] }> {
  const supabase = supabaseForRequest(request);
  const { data, error } = await supabase.client.auth.signInWithOAuth({
    provider: "github",
    options: {
      redirectTo: `${options.origin}/auth/callback?${new URLSearchParams({ next: options.next })}`,
      scopes: "repo read:org",
      skipBrowserRedirect: true,
    },
  });
  if (error) throw supabaseAuthError(error);
  if (!data.url) throw badAnswer();
  return { url: data.url, setCookies: supabase.setCookies };
}
