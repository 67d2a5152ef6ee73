import "server-only";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { getLimiter } from "@/lib/rate-limit/get-limiter";
import { parseWindowSpec } from "@/lib/rate-limit/types";
import { decoyPasswordHash, verifyPassword } from "./crypto";
import type { LoginBody } from "./schemas";
import { createSession, sessionCookie } from "./sessions";
import { supabaseLogIn } from "./supabase-accounts";
import type { AccountResult } from "./types";
import { findUserByEmail, toAuthUser } from "./users";

// Failed attempts are counted per email and per client address, in both account modes; a
// success clears the email's count. Only failures count, so a user who logs in often is never
// throttled. When the shared limiter store is down this fails closed (503): password guessing
// must not become unlimited during an outage.
function failureLimiter() {
  return getLimiter("login-failures", parseWindowSpec(getEnv().KILN_RATE_LIMIT_LOGIN));
}

export async function logIn(
  request: Request,
  body: LoginBody,
  clientAddress: string,
): Promise<AccountResult> {
  const limiter = failureLimiter();
  const keys = [`email:${body.email}`, `addr:${clientAddress}`];
  const states = await Promise.all(keys.map((k) => limiter.peek(k)));
  const blocked = states.find((s) => !s.success);
  if (blocked) {
    const retryAfter = Math.max(1, Math.ceil((blocked.reset - Date.now()) / 1000));
    throw new KilnError("RATE_LIMITED", "Too many failed sign-in attempts; try again later", {
      headers: { "Retry-After": String(retryAfter) },
    });
  }
  try {
    const result = getEnv().isSupabaseAuth
      ? await supabaseLogIn(request, body)
      : await localLogIn(request, body);
    await limiter.reset(keys[0] as string);
    return result;
  } catch (error) {
    if (error instanceof KilnError && error.code === "UNAUTHORIZED") {
      await Promise.all(keys.map((k) => limiter.limit(k)));
    }
    throw error;
  }
}

async function localLogIn(request: Request, body: LoginBody): Promise<AccountResult> {
  const user = await findUserByEmail(body.email);
  // A missing account costs the same time as a wrong password: no probing for emails.
  const isValid = await verifyPassword(
    body.password,
    user?.password_hash ?? (await decoyPasswordHash),
  );
  if (!user?.password_hash || !isValid) {
    throw new KilnError("UNAUTHORIZED", "Invalid email or password");
  }
  const session = await createSession({
    userId: user.id,
    userAgent: request.headers.get("user-agent"),
  });
  return { user: toAuthUser(user), setCookies: [sessionCookie(session.token, session.expiresAt)] };
}
