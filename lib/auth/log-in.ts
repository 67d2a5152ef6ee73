import "server-only";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { decoyPasswordHash, hashPassword, needsRehash, verifyPassword } from "./crypto";
import type { LoginBody } from "./schemas";
import { createSession, sessionCookie } from "./sessions";
import { takeSignInAttempt } from "./sign-in-throttle";
import { supabaseLogIn } from "./supabase-accounts";
import type { AccountResult } from "./types";
import { findUserByEmail, toAuthUser, type UserRow, updatePasswordHash } from "./users";

export async function logIn(
  request: Request,
  body: LoginBody,
  clientAddress: string,
): Promise<AccountResult> {
  const attempt = await takeSignInAttempt({ request, email: body.email, clientAddress });
  const result = getEnv().isSupabaseAuth
    ? await supabaseLogIn(request, body)
    : await localLogIn(request, body);
  return { ...result, setCookies: [...result.setCookies, ...(await attempt.succeeded())] };
}

async function localLogIn(request: Request, body: LoginBody): Promise<AccountResult> {
  const user = await findUserByEmail(body.email);
  if (!user || !(await checkPassword(user, body.password))) {
    throw new KilnError("UNAUTHORIZED", "Invalid email or password");
  }
  return startSession(request, user);
}

/**
 * Whether the password is the user's. A missing account or password costs the same time as a
 * wrong password (no probing for emails); a right one stored with weaker parameters than Kiln
 * now uses is hashed again.
 */
export async function checkPassword(
  user: Pick<UserRow, "id" | "password_hash"> | undefined,
  password: string,
): Promise<boolean> {
  const stored = user?.password_hash;
  const isValid = await verifyPassword(password, stored ?? (await decoyPasswordHash()));
  if (!user || !stored || !isValid) return false;
  if (needsRehash(stored)) await updatePasswordHash(user.id, stored, await hashPassword(password));
  return true;
}

export async function startSession(
  request: Request,
  user: Pick<UserRow, "id" | "email" | "is_admin" | "tier">,
): Promise<AccountResult> {
  const session = await createSession({
    userId: user.id,
    userAgent: request.headers.get("user-agent"),
  });
  return {
    user: toAuthUser(user),
    setCookies: [sessionCookie(request, session.token, session.expiresAt)],
  };
}
