export type UserTier = "free" | "pro" | "enterprise";

export interface AuthUser {
  id: string;
  email: string;
  isAdmin: boolean;
  tier: UserTier;
}

/**
 * Who is calling, and how they proved it. Cookie callers are held to same-origin mutations.
 * setCookies: Set-Cookie values the response must carry (a rotated or refreshed session).
 */
export type Caller =
  | { kind: "session"; user: AuthUser; sessionId: string; setCookies?: string[] }
  | { kind: "supabase"; user: AuthUser; viaCookie?: boolean; setCookies?: string[] }
  | { kind: "api_key"; user: AuthUser; apiKeyId: string };

/** Whether the caller proved itself with a cookie the browser sends on its own. */
export const isCookieCaller = (caller: Caller): boolean =>
  caller.kind === "session" || (caller.kind === "supabase" && caller.viaCookie === true);

/** A sign-up or sign-in: the user, and the cookies that carry the new session. */
export interface AccountResult {
  user: AuthUser;
  setCookies: string[];
  /** Supabase wants the address confirmed before the first sign-in. */
  confirmationRequired?: true;
}
