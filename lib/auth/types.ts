export type UserTier = "free" | "pro" | "enterprise";

export interface AuthUser {
  id: string;
  email: string;
  isAdmin: boolean;
  tier: UserTier;
}

/** Who is calling, and how they proved it. Cookie callers are held to same-origin mutations. */
export type Caller =
  | { kind: "session"; user: AuthUser; sessionId: string; rotatedToken?: string }
  | { kind: "supabase"; user: AuthUser }
  | { kind: "api_key"; user: AuthUser; apiKeyId: string };
