import "server-only";
import type { AuthError, SupabaseClient } from "@supabase/supabase-js";
import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify } from "jose";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { supabaseForRequest } from "@/lib/supabase/server";
import type { AuthUser, Caller } from "./types";
import {
  DuplicateEmailError,
  insertUser,
  signUpRefusedMessage,
  toAuthUser,
  type UserRow,
  userColumns,
} from "./users";

// Supabase Auth mode. Supabase owns passwords and sessions; @supabase/ssr keeps the session in
// cookies. Kiln trusts a Supabase user only after checking the access token's signature (against
// the project's JWKS, or by asking Supabase for projects still on a shared HS256 secret), and
// then maps it to its own users row through external_id.

type SupabaseCaller = Extract<Caller, { kind: "supabase" }>;

interface VerifiedIdentity {
  sub: string;
  email: string | undefined;
}

let jwks: { url: string; keySet: ReturnType<typeof createRemoteJWKSet> } | undefined;

function keySet(authUrl: string) {
  const url = `${authUrl}/.well-known/jwks.json`;
  if (jwks?.url !== url) {
    const apikey = getEnv().NEXT_PUBLIC_SUPABASE_ANON_KEY ?? "";
    jwks = { url, keySet: createRemoteJWKSet(new URL(url), { headers: { apikey } }) };
  }
  return jwks.keySet;
}

// What a token that is not genuine, not current or not for us fails with. Anything else (the key
// set could not be fetched or read) is Supabase being unreachable or misconfigured.
const rejections = [
  joseErrors.JWTExpired,
  joseErrors.JWTClaimValidationFailed,
  joseErrors.JWTInvalid,
  joseErrors.JWSInvalid,
  joseErrors.JWSSignatureVerificationFailed,
  joseErrors.JWKSNoMatchingKey,
  joseErrors.JOSENotSupported,
  joseErrors.JOSEAlgNotAllowed,
];

function authUrl(): string {
  return `${(getEnv().NEXT_PUBLIC_SUPABASE_URL ?? "").replace(/\/+$/, "")}/auth/v1`;
}

function unavailable(cause?: unknown): KilnError {
  const reason = cause instanceof Error ? `: ${cause.message}` : "";
  return new KilnError("SERVICE_UNAVAILABLE", `Supabase Auth could not be reached${reason}`);
}

/** The identity in a Supabase access token, or null when the token is not genuine or expired. */
export async function verifyAccessToken(
  token: string,
  client: SupabaseClient,
): Promise<VerifiedIdentity | null> {
  let alg: string | undefined;
  let kid: string | undefined;
  try {
    ({ alg, kid } = decodeProtectedHeader(token));
  } catch {
    return null;
  }
  if (!alg || alg.startsWith("HS") || !kid) {
    // A shared-secret project: only Supabase can check the signature.
    const { data, error } = await client.auth.getUser(token);
    if (error) {
      if (isUnreachable(error)) throw unavailable(error);
      return null;
    }
    return { sub: data.user.id, email: data.user.email };
  }
  try {
    const issuer = authUrl();
    const { payload } = await jwtVerify(token, keySet(issuer), {
      issuer,
      audience: "authenticated",
    });
    if (typeof payload.sub !== "string" || !payload.sub) return null;
    const email = typeof payload.email === "string" ? payload.email : undefined;
    return { sub: payload.sub, email };
  } catch (error) {
    if (rejections.some((kind) => error instanceof kind)) return null;
    throw unavailable(error);
  }
}

/** Kiln's user row for a Supabase user, created on first sight. */
export async function userForIdentity(identity: VerifiedIdentity): Promise<AuthUser> {
  if (!identity.email) {
    throw new KilnError("FORBIDDEN", "Kiln needs a Supabase account with an email address");
  }
  const email = identity.email.toLowerCase();
  const db = await getDb();
  const find = async () => {
    const [row] = await db.query<UserRow & { email: string }>(
      `select ${userColumns} from users u where u.external_id = $1 and u.auth_provider = 'supabase'`,
      [identity.sub],
    );
    return row;
  };
  const existing = await find();
  if (existing) {
    if (existing.email !== email) {
      await db.query("update users set email = $2, updated_at = now() where id = $1", [
        existing.id,
        email,
      ]);
    }
    return toAuthUser({ ...existing, email });
  }
  try {
    const row = await db.transaction((tx) =>
      insertUser(tx, { email, passwordHash: null, provider: "supabase", externalId: identity.sub }),
    );
    return toAuthUser(row);
  } catch (error) {
    if (!(error instanceof DuplicateEmailError)) throw error;
    // Either this user's first two requests raced (the row is there now), or the email belongs
    // to a different Kiln account, which is never taken over.
    const raced = await find();
    if (raced) return toAuthUser(raced);
    throw new KilnError(
      "CONFLICT",
      "A Kiln account with this email already exists under another sign-in; ask an admin to link it",
    );
  }
}

/**
 * The caller behind a Supabase session cookie, or behind a Supabase access token sent as a
 * Bearer token. A cookie session that needed refreshing brings its new cookies along.
 */
export async function getSupabaseCaller(
  request: Request,
  accessToken?: string,
): Promise<SupabaseCaller | null> {
  const supabase = supabaseForRequest(request);
  if (accessToken) {
    const identity = await verifyAccessToken(accessToken, supabase.client);
    return identity ? { kind: "supabase", user: await userForIdentity(identity) } : null;
  }
  const { data, error } = await supabase.client.auth.getSession();
  if (error && isUnreachable(error)) throw unavailable(error);
  const token = data.session?.access_token;
  const identity = token ? await verifyAccessToken(token, supabase.client) : null;
  if (!identity) return null;
  return {
    kind: "supabase",
    user: await userForIdentity(identity),
    viaCookie: true,
    setCookies: supabase.setCookies,
  };
}

function isUnreachable(error: AuthError): boolean {
  return !error.status || error.status >= 500;
}

/** Turns a Supabase Auth refusal into Kiln's error, keeping its reason where it helps the user. */
export function supabaseAuthError(error: AuthError): KilnError {
  if (isUnreachable(error)) return unavailable(error);
  switch (error.code) {
    case "invalid_credentials":
      return new KilnError("UNAUTHORIZED", "Invalid email or password");
    case "email_not_confirmed":
      return new KilnError("FORBIDDEN", "Confirm your email address, then sign in");
    case "user_already_exists":
    case "email_exists":
      return new KilnError("CONFLICT", signUpRefusedMessage);
    case "weak_password":
      return new KilnError("VALIDATION_ERROR", `password: ${error.message}`, {
        details: { field: "password" },
      });
    case "signup_disabled":
      return new KilnError("FORBIDDEN", "Sign-up is disabled on this server");
    case "over_request_rate_limit":
    case "over_email_send_rate_limit":
      return new KilnError("RATE_LIMITED", "Supabase Auth is rate limiting; try again later");
  }
  if (error.status === 400 && /invalid login credentials/i.test(error.message)) {
    return new KilnError("UNAUTHORIZED", "Invalid email or password");
  }
  if (error.status === 429) {
    return new KilnError("RATE_LIMITED", "Supabase Auth is rate limiting; try again later");
  }
  return new KilnError("BAD_GATEWAY", `Supabase Auth refused the request: ${error.message}`);
}
