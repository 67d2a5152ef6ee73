import "server-only";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { hashPassword } from "./crypto";
import type { SignupBody } from "./schemas";
import { createSession } from "./sessions";
import type { AuthUser } from "./types";
import { countUsers, DuplicateEmailError, insertUser, toAuthUser } from "./users";

export async function signUp(options: SignupBody & { userAgent?: string | null }): Promise<{
  user: AuthUser;
  session: { token: string; expiresAt: Date };
}> {
  if (getEnv().isSupabaseAuth) {
    throw new KilnError("CONFLICT", "Accounts are managed by Supabase Auth on this server");
  }
  // The first account may always be created: it is how an instance gets its admin.
  if (!getEnv().KILN_ALLOW_SIGNUP && (await countUsers()) > 0) {
    throw new KilnError("FORBIDDEN", "Sign-up is disabled on this server");
  }
  const passwordHash = await hashPassword(options.password);
  const db = await getDb();
  try {
    const row = await db.transaction((tx) =>
      insertUser(tx, { email: options.email, passwordHash, provider: "local" }),
    );
    const session = await createSession({ userId: row.id, userAgent: options.userAgent });
    return { user: toAuthUser(row), session };
  } catch (error) {
    if (error instanceof DuplicateEmailError) {
      throw new KilnError("CONFLICT", "An account with this email already exists", {
        details: { field: "email" },
      });
    }
    throw error;
  }
}
