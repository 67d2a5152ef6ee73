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

interface SessionRow extends Pick<UserRow, "id" | "email" | "is_admin" | "tier"> {
  session_id: string;
  created_at: Date;
  expires_at: Date;
  user_agent: string | null;
}

// A session that checked out is trusted for a few seconds without another read: an editor
// sends many small requests. What is served from here is never older than KILN_AUTH_CACHE_MS:
// while a session is in use it is read again in the background shortly before that, so a
// busy session costs no query on the request path, and requests that find nothing share one
// read. Logging out forgets it here at once (other instances within the TTL); a session due
// for rotation is never served from here.
const verified = new Map<string, { caller: SessionCaller; until: number; refreshing: boolean }>();
const reading = new Map<string, Promise<SessionRow | undefined>>();

/** The session's row, one read at a time per token. */
function readSession(hash: string): Promise<SessionRow | undefined> {
  let pending = reading.get(hash);
  if (!pending) {
    pending = (async () => {
      const db = await getDb();
      const [row] = await db.query<SessionRow>(
        `select s.id as session_id, s.created_at, s.expires_at, s.user_agent, u.id, u.email,
                u.is_admin, u.tier
           from sessions s join users u on u.id = s.user_id
          where s.token_hash = $1 and s.expires_at > now()`,
        [hash],
      );
      return row;
    })().finally(() => reading.delete(hash));
    reading.set(hash, pending);
  }
  return pending;
}

const rotationDueOf = (row: SessionRow) => new Date(row.created_at).getTime() + rotateAfterMs;

/** Keeps a verified session for its TTL, unless it must not be kept (rotation due). */
function remember(hash: string, row: SessionRow, caller: SessionCaller): void {
  const until = Math.min(
    Date.now() + getEnv().KILN_AUTH_CACHE_MS,
    new Date(row.expires_at).getTime(),
    rotationDueOf(row),
  );
  if (until <= Date.now()) {
    verified.delete(hash);
    return;
  }
  if (verified.size >= 10_000) verified.clear();
  verified.set(hash, { caller, until, refreshing: false });
}

const callerOf = (row: SessionRow): SessionCaller => ({
  kind: "session",
  user: toAuthUser(row),
  sessionId: row.session_id,
});

/** Reads a session in use again before its entry runs out; a failed read just lets it lapse. */
function refresh(hash: string, entry: { refreshing: boolean }) {
  entry.refreshing = true;
  readSession(hash).then(
    (row) => {
      if (verified.get(hash) !== entry) return; // logged out meanwhile
      if (row) remember(hash, row, callerOf(row));
      else verified.delete(hash);
    },
    () => {},
  );
}

/** `request`: the one the token came with; a rotated cookie is set the way it was reached. */
export async function getSessionCaller(
  token: string,
  request: Request,
): Promise<SessionCaller | null> {
  const hash = sha256(token);
  const hit = verified.get(hash);
  const now = Date.now();
  if (hit && hit.until > now) {
    // Read again in the last fifth of the entry's life.
    if (hit.until - now < getEnv().KILN_AUTH_CACHE_MS / 5 && !hit.refreshing) refresh(hash, hit);
    return { ...hit.caller };
  }
  const row = await readSession(hash);
  if (!row) {
    verified.delete(hash);
    return null;
  }
  const caller = callerOf(row);
  if (Date.now() - new Date(row.created_at).getTime() > rotateAfterMs) {
    const fresh = await createSession({ userId: row.id, userAgent: row.user_agent });
    const db = await getDb();
    await db.query("update sessions set expires_at = least(expires_at, $2) where id = $1", [
      row.session_id,
      new Date(Date.now() + rotationGraceMs),
    ]);
    caller.setCookies = [sessionCookie(request, fresh.token, fresh.expiresAt)];
    return caller;
  }
  remember(hash, row, caller);
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
