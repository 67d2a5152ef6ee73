import "server-only";
import { wantsSecureCookies } from "@/lib/cookies";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { randomToken, sha256 } from "./crypto";
import type { Caller } from "./types";
import { toAuthUser, type UserRow } from "./users";

export const sessionCookieName = "kiln_session";

// A session older than this is swapped for a fresh token on its next use; the old token keeps
// working for a short grace period so that requests already in flight do not fail.
const rotateAfterMs = 24 * 60 * 60 * 1000;
const rotationGraceMs = 60 * 1000;

export async function createSession(options: {
  userId: string;
  userAgent?: string | null;
}): Promise<{ token: string; expiresAt: Date }> {
  const db = await getDb();
  const token = randomToken();
  const expiresAt = new Date(Date.now() + getEnv().KILN_SESSION_TTL_HOURS * 3_600_000);
  await db.query(
    "insert into sessions (user_id, token_hash, expires_at, user_agent) values ($1, $2, $3, $4)",
    [options.userId, sha256(token), expiresAt, options.userAgent?.slice(0, 512) ?? null],
  );
  return { token, expiresAt };
}

type SessionCaller = Extract<Caller, { kind: "session" }>;

// A session that checked out is trusted for a few seconds without another read: an editor
// sends many small requests. Logging out forgets it here at once (other instances within the
// KILN_AUTH_CACHE_MS); a session due for rotation is never served from here.
const verified = new Map<string, { caller: SessionCaller; until: number }>();

/** `request`: the one the token came with; a rotated cookie is set the way it was reached. */
export async function getSessionCaller(
  token: string,
  request: Request,
): Promise<SessionCaller | null> {
  const hash = sha256(token);
  const hit = verified.get(hash);
  if (hit && hit.until > Date.now()) return { ...hit.caller };
  const db = await getDb();
  const [row] = await db.query<
    Pick<UserRow, "id" | "email" | "is_admin" | "tier"> & {
      session_id: string;
      created_at: Date;
      expires_at: Date;
      user_agent: string | null;
    }
  >(
    `select s.id as session_id, s.created_at, s.expires_at, s.user_agent, u.id, u.email,
            u.is_admin, u.tier
       from sessions s join users u on u.id = s.user_id
      where s.token_hash = $1 and s.expires_at > now()`,
    [hash],
  );
  if (!row) {
    verified.delete(hash);
    return null;
  }
  const caller: SessionCaller = {
    kind: "session",
    user: toAuthUser(row),
    sessionId: row.session_id,
  };
  if (Date.now() - new Date(row.created_at).getTime() > rotateAfterMs) {
    const fresh = await createSession({ userId: row.id, userAgent: row.user_agent });
    await db.query("update sessions set expires_at = least(expires_at, $2) where id = $1", [
      row.session_id,
      new Date(Date.now() + rotationGraceMs),
    ]);
    caller.setCookies = [sessionCookie(request, fresh.token, fresh.expiresAt)];
    return caller;
  }
  const rotationDue = new Date(row.created_at).getTime() + rotateAfterMs;
  const until = Math.min(
    Date.now() + getEnv().KILN_AUTH_CACHE_MS,
    new Date(row.expires_at).getTime(),
    rotationDue,
  );
  if (verified.size >= 10_000) verified.clear();
  verified.set(hash, { caller, until });
  return { ...caller };
}

export async function deleteSession(token: string): Promise<void> {
  verified.delete(sha256(token));
  const db = await getDb();
  await db.query("delete from sessions where token_hash = $1", [sha256(token)]);
}

export async function deleteExpiredSessions(): Promise<number> {
  const db = await getDb();
  const rows = await db.query("delete from sessions where expires_at <= now() returning id");
  return rows.length;
}

/** The session's Set-Cookie value: Secure when the browser reached Kiln over https. */
export function sessionCookie(request: Request, token: string, expiresAt: Date): string {
  const secure = wantsSecureCookies(request) ? "; Secure" : "";
  return `${sessionCookieName}=${token}; Path=/; HttpOnly; SameSite=Lax; Expires=${expiresAt.toUTCString()}${secure}`;
}

export function clearedSessionCookie(request: Request): string {
  const secure = wantsSecureCookies(request) ? "; Secure" : "";
  return `${sessionCookieName}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure}`;
}
