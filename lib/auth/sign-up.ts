import "server-only";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { hashPassword } from "./crypto";
import { checkPassword, startSession } from "./log-in";
import type { SignupBody } from "./schemas";
import { knownDeviceCookie, takeSignInAttempt } from "./sign-in-throttle";
import { supabaseSignUp } from "./supabase-accounts";
import type { AccountResult } from "./types";
import {
  countUsers,
  DuplicateEmailError,
  findUserByEmail,
  insertUser,
  signUpRefusedMessage,
} from "./users";

/**
 * `origin`: Kiln's public origin (for Supabase's confirmation links). Sign-up never says that an
 * email is taken: an existing account's own password signs its owner in, the same answer a new
 * account gets, and anything else gets one refusal that names no reason. Either way one scrypt
 * runs, so the time taken tells nothing either.
 */
export async function signUp(options: {
  request: Request;
  body: SignupBody;
  origin: string;
  clientAddress: string;
}): Promise<AccountResult> {
  const { request, body } = options;
  // The first account may always be created: it is how an instance gets its admin.
  if (!getEnv().KILN_ALLOW_SIGNUP && (await countUsers()) > 0) {
    throw new KilnError("FORBIDDEN", "Sign-up is disabled on this server");
  }
  if (getEnv().isSupabaseAuth) return supabaseSignUp(request, body, options.origin);

  const existing = await findUserByEmail(body.email);
  if (existing) {
    // A password check like any sign-in, throttled like one.
    const attempt = await takeSignInAttempt({
      request,
      email: body.email,
      clientAddress: options.clientAddress,
    });
    if (!(await checkPassword(existing, body.password))) throw refused();
    const result = await startSession(request, existing);
    return { ...result, setCookies: [...result.setCookies, ...(await attempt.succeeded())] };
  }

  const passwordHash = await hashPassword(body.password);
  const db = await getDb();
  try {
    const row = await db.transaction((tx) =>
      insertUser(tx, { email: body.email, passwordHash, provider: "local" }),
    );
    const result = await startSession(request, row);
    // Its creator's browser is a known device for it, as after any sign-in.
    return { ...result, setCookies: [...result.setCookies, knownDeviceCookie(request, row.email)] };
  } catch (error) {
    // Another sign-up for the same email got there first.
    if (error instanceof DuplicateEmailError) throw refused();
    throw error;
  }
}

const refused = () => new KilnError("CONFLICT", signUpRefusedMessage);
