import "server-only";
import { randomToken, sha256 } from "@/lib/auth/crypto";
import type { Caller } from "@/lib/auth/types";
import { toAuthUser, type UserRow } from "@/lib/auth/users";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { notFound } from "@/lib/errors";
import { prefixedId } from "@/lib/ids";
import type { ApiKey } from "./schemas";

export const apiKeyPrefix = "kiln_";

interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
}

const toApiKey = (row: ApiKeyRow): ApiKey => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  createdAt: row.created_at.toISOString(),
  lastUsedAt: row.last_used_at?.toISOString() ?? null,
});

export async function createApiKey(options: { userId: string; name: string }) {
  const db = await getDb();
  const key = `${apiKeyPrefix}${randomToken(32)}`;
  const [row] = await db.query<ApiKeyRow>(
    `insert into api_keys (id, user_id, name, prefix, key_hash) values ($1, $2, $3, $4, $5)
     returning id, name, prefix, created_at, last_used_at`,
    [
      prefixedId("key"),
      options.userId,
      options.name,
      key.slice(0, apiKeyPrefix.length + 6),
      sha256(key),
    ],
  );
  return { ...toApiKey(row!), key };
}

export async function listApiKeys(options: { userId: string }): Promise<ApiKey[]> {
  const db = await getDb();
  const rows = await db.query<ApiKeyRow>(
    `select id, name, prefix, created_at, last_used_at from api_keys
      where user_id = $1 and revoked_at is null order by created_at desc`,
    [options.userId],
  );
  return rows.map(toApiKey);
}

export async function revokeApiKey(options: { userId: string; id: string }) {
  const db = await getDb();
  const rows = await db.query<{ id: string }>(
    `update api_keys set revoked_at = now()
      where id = $1 and user_id = $2 and revoked_at is null returning id`,
    [options.id, options.userId],
  );
  if (rows.length === 0) throw notFound("API key");
  for (const [hash, entry] of verified)
    if (entry.caller.apiKeyId === options.id) verified.delete(hash);
  return { id: options.id, revoked: true as const };
}

// last_used_at is written at most once a minute per key, so that authenticating is a single
// read on the hot path.
const lastUsedWriteIntervalMs = 60_000;
const lastUsedWrites = new Map<string, number>();

// A key that checked out is trusted for a few seconds without asking the database again: an API
// client calls in bursts, and this is the hot path of every call. Revoking a key forgets it here
// at once; another instance (scale-out) sees a revocation or a tier change within
// KILN_AUTH_CACHE_MS.
const verifiedMax = 10_000;
const verified = new Map<string, { caller: ApiKeyCaller; expires: number }>();

type ApiKeyCaller = Extract<Caller, { kind: "api_key" }>;

export async function authenticateApiKey(key: string): Promise<ApiKeyCaller | null> {
  if (!key.startsWith(apiKeyPrefix)) return null;
  const hash = sha256(key);
  const now = Date.now();
  const hit = verified.get(hash);
  if (hit && hit.expires > now) return hit.caller;
  const db = await getDb();
  const [row] = await db.query<
    Pick<UserRow, "id" | "email" | "is_admin" | "tier"> & { key_id: string }
  >(
    `select k.id as key_id, u.id, u.email, u.is_admin, u.tier
       from api_keys k join users u on u.id = k.user_id
      where k.key_hash = $1 and k.revoked_at is null`,
    [hash],
  );
  if (!row) {
    verified.delete(hash);
    return null;
  }
  if ((lastUsedWrites.get(row.key_id) ?? 0) + lastUsedWriteIntervalMs <= now) {
    lastUsedWrites.set(row.key_id, now);
    await db.query("update api_keys set last_used_at = now() where id = $1", [row.key_id]);
  }
  const caller: ApiKeyCaller = { kind: "api_key", user: toAuthUser(row), apiKeyId: row.key_id };
  if (verified.size >= verifiedMax) verified.clear();
  verified.set(hash, { caller, expires: now + getEnv().KILN_AUTH_CACHE_MS });
  return caller;
}
