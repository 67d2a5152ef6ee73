import "server-only";
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

/** Finishes a sign-in link from Supabase (email confirmation): trades its code for a session. */
export async function supabaseExchangeCode(request: Request, code: string): Promise<string[]> {
  const supabase = supabaseForRequest(request);
  const { data, error } = await supabase.client.auth.exchangeCodeForSession(code);
  if (error) throw supabaseAuthError(error);
  const identity = await verifyAccessToken(data.session.access_token, supabase.client);
  if (!identity) throw badAnswer();
  await userForIdentity(identity);
  return supabase.setCookies;
}
