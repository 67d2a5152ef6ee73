import "server-only";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { getLimiter } from "@/lib/rate-limit/get-limiter";
import { parseWindowSpec } from "@/lib/rate-limit/types";
import { decoyPasswordHash, verifyPassword } from "./crypto";
import type { LoginBody } from "./schemas";
import { createSession } from "./sessions";
import type { AuthUser } from "./types";
import { findUserByEmail, toAuthUser } from "./users";

// Failed attempts are counted per email and per client address; a success clears the email's
// count. Only failures count, so a user who logs in often is never throttled.
function failureLimiter() {
  return getLimiter("login-failures", parseWindowSpec(getEnv().KILN_RATE_LIMIT_LOGIN));
}

export async function logIn(
  options: LoginBody & { clientAddress: string; userAgent?: string | null },
): Promise<{ user: AuthUser; session: { token: string; expiresAt: Date } }> {
  if (getEnv().isSupabaseAuth) {
    throw new KilnError("CONFLICT", "Sign in through Supabase Auth on this server");
  }
  const limiter = failureLimiter();
  const keys = [`email:${options.email}`, `addr:${options.clientAddress}`];
  const states = await Promise.all(keys.map((k) => limiter.peek(k)));
  const blocked = states.find((s) => !s.success);
  if (blocked) {
    const retryAfter = Math.max(1, Math.ceil((blocked.reset - Date.now()) / 1000));
    throw new KilnError("RATE_LIMITED", "Too many failed sign-in attempts; try again later", {
      headers: { "Retry-After": String(retryAfter) },
    });
  }

  const user = await findUserByEmail(options.email);
  const isValid = await verifyPassword(
    options.password,
    user?.password_hash ?? (await decoyPasswordHash),
  );
  if (!user?.password_hash || !isValid) {
    await Promise.all(keys.map((k) => limiter.limit(k)));
    throw new KilnError("UNAUTHORIZED", "Invalid email or password");
  }
  await limiter.reset(keys[0]!);
  const session = await createSession({ userId: user.id, userAgent: options.userAgent });
  return { user: toAuthUser(user), session };
}
