import "server-only";
import { getDb } from "@/lib/db/client";
import type { Queryable } from "@/lib/db/types";
import type { AuthUser, UserTier } from "./types";

export interface UserRow {
  id: string;
  email: string;
  password_hash: string | null;
  is_admin: boolean;
  tier: UserTier;
}

export const userColumns = "u.id, u.email, u.password_hash, u.is_admin, u.tier";

export function toAuthUser(row: Pick<UserRow, "id" | "email" | "is_admin" | "tier">): AuthUser {
  return { id: row.id, email: row.email, isAdmin: row.is_admin, tier: row.tier };
}

export async function findUserByEmail(email: string): Promise<UserRow | undefined> {
  const db = await getDb();
  const [row] = await db.query<UserRow>(
    `select ${userColumns} from users u where lower(u.email) = lower($1)`,
    [email],
  );
  return row;
}

/** Replaces a password hash, unless it changed meanwhile (a concurrent sign-in did it first). */
export async function updatePasswordHash(
  userId: string,
  previous: string,
  next: string,
): Promise<void> {
  const db = await getDb();
  await db.query(
    "update users set password_hash = $3, updated_at = now() where id = $1 and password_hash = $2",
    [userId, previous, next],
  );
}

// The first account becomes the admin. The advisory lock makes "first" exact when two sign-ups
// race on an empty database.
const firstUserLockKey = 0x6b75736;

export async function insertUser(
  tx: Queryable,
  values: {
    email: string;
    passwordHash: string | null;
    provider: "local" | "supabase";
    externalId?: string;
  },
): Promise<UserRow & { is_first: boolean }> {
  await tx.query("select pg_advisory_xact_lock($1)", [firstUserLockKey]);
  const [row] = await tx.query<UserRow & { is_first: boolean }>(
    `insert into users (email, password_hash, auth_provider, external_id, is_admin)
     values ($1, $2, $3, $4, not exists (select 1 from users))
     on conflict do nothing
     returning id, email, password_hash, is_admin, tier, is_admin as is_first`,
    [values.email, values.passwordHash, values.provider, values.externalId ?? null],
  );
  if (!row) throw new DuplicateEmailError();
  return row;
}

export class DuplicateEmailError extends Error {}

/** What sign-up answers when it cannot create an account: never "this email is taken". */
export const signUpRefusedMessage =
  "Could not create an account with this email and password. If you already have an account, sign in instead.";

export async function countUsers(): Promise<number> {
  const db = await getDb();
  const [row] = await db.query<{ n: number }>("select count(*)::int as n from users");
  return row?.n ?? 0;
}
