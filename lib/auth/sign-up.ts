import "server-only";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { hashPassword } from "./crypto";
import type { SignupBody } from "./schemas";
import { createSession, sessionCookie } from "./sessions";
import { supabaseSignUp } from "./supabase-accounts";
import type { AccountResult } from "./types";
import { countUsers, DuplicateEmailError, insertUser, toAuthUser } from "./users";

/** `origin`: Kiln's public origin (for Supabase's confirmation links). */
export async function signUp(
  request: Request,
  body: SignupBody,
  origin: string,
): Promise<AccountResult> {
  // The first account may always be created: it is how an instance gets its admin.
  if (!getEnv().KILN_ALLOW_SIGNUP && (await countUsers()) > 0) {
    throw new KilnError("FORBIDDEN", "Sign-up is disabled on this server");
  }
  if (getEnv().isSupabaseAuth) return supabaseSignUp(request, body, origin);

  const passwordHash = await hashPassword(body.password);
  const db = await getDb();
  try {
    const row = await db.transaction((tx) =>
      insertUser(tx, { email: body.email, passwordHash, provider: "local" }),
    );
    const session = await createSession({
      userId: row.id,
      userAgent: request.headers.get("user-agent"),
    });
    return { user: toAuthUser(row), setCookies: [sessionCookie(session.token, session.expiresAt)] };
  } catch (error) {
    if (error instanceof DuplicateEmailError) {
      throw new KilnError("CONFLICT", "An account with this email already exists", {
        details: { field: "email" },
      });
    }
    throw error;
  }
}
