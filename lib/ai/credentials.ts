import "server-only";
import { getDb } from "@/lib/db/client";
import { notFound } from "@/lib/errors";
import { prefixedId } from "@/lib/ids";
import { decryptSecret, encryptSecret, secretHint } from "@/lib/secrets";
import type { ProviderAccess, ProviderId } from "./providers";
import type { ModelCredential } from "./schemas";

// A user's own model providers, set in Settings. Keys are sealed at rest and only ever shown as
// a hint; the plaintext leaves this module only inside a ProviderAccess for a model call.

interface Row {
  id: string;
  provider: ProviderId;
  base_url: string | null;
  key_ciphertext: string | null;
  key_hint: string | null;
  updated_at: Date;
}

const toCredential = (row: Row): ModelCredential => ({
  id: row.id,
  provider: row.provider,
  baseURL: row.base_url,
  keyHint: row.key_hint,
  updatedAt: new Date(row.updated_at).toISOString(),
});

export async function listCredentials(userId: string): Promise<ModelCredential[]> {
  const db = await getDb();
  const rows = await db.query<Row>(
    "select * from model_credentials where user_id = $1 order by provider",
    [userId],
  );
  return rows.map(toCredential);
}

/** Sets (or replaces) the user's credential for one provider. */
export async function saveCredential(options: {
  userId: string;
  provider: ProviderId;
  apiKey?: string;
  baseURL?: string;
}): Promise<ModelCredential> {
  cached.delete(options.userId);
  const db = await getDb();
  const key = options.apiKey?.trim() || null;
  const [row] = await db.query<Row>(
    `insert into model_credentials (id, user_id, provider, base_url, key_ciphertext, key_hint)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (user_id, provider) do update
       set base_url = excluded.base_url,
           -- A save without a key (a new URL for the same server) keeps the stored key.
           key_ciphertext = coalesce(excluded.key_ciphertext, model_credentials.key_ciphertext),
           key_hint = coalesce(excluded.key_hint, model_credentials.key_hint), updated_at = now()
     returning *`,
    [
      prefixedId("mcred"),
      options.userId,
      options.provider,
      options.baseURL ?? null,
      key ? encryptSecret(key) : null,
      key ? secretHint(key) : null,
    ],
  );
  return toCredential(row as Row);
}

export async function deleteCredential(userId: string, provider: ProviderId): Promise<void> {
  cached.delete(userId);
  const db = await getDb();
  const rows = await db.query(
    "delete from model_credentials where user_id = $1 and provider = $2 returning id",
    [userId, provider],
  );
  if (rows.length === 0) throw notFound("Model credential");
}

// Every chat request asks for the user's providers, and a read that queues behind other
// requests' writes would hold up the model call. A read is used as it is for a few seconds;
// after that it is still served (up to a minute old) while a fresh read runs in the background,
// so a request waits for the database only the first time. Changes made through this module
// forget the entry at once; on another instance they show within the fresh period under steady
// use, and within the minute in any case.
const freshMs = 5_000;
const staleMs = 60_000;
interface Entry {
  at: number;
  providers: Promise<ProviderAccess[]>;
  isRefreshing?: boolean;
}
const cached = new Map<string, Entry>();

/** The user's providers, ready for model calls (keys unsealed). */
export function userProviders(userId: string): Promise<ProviderAccess[]> {
  const hit = cached.get(userId);
  const age = hit ? Date.now() - hit.at : Number.POSITIVE_INFINITY;
  if (hit && age < freshMs) return hit.providers;
  if (hit && age < staleMs) {
    if (!hit.isRefreshing) {
      hit.isRefreshing = true;
      void load(userId, hit).catch(() => {});
    }
    return hit.providers;
  }
  return load(userId);
}

/** Reads the user's providers; the entry replaces `stale` unless a change came in between. */
function load(userId: string, stale?: Entry): Promise<ProviderAccess[]> {
  const entry: Entry = { at: Date.now(), providers: readProviders(userId) };
  const current = stale ?? entry;
  if (!stale) {
    if (cached.size > 10_000) cached.clear();
    cached.set(userId, entry);
  }
  entry.providers.then(
    () => {
      if (cached.get(userId) === current) cached.set(userId, entry);
    },
    () => {
      if (cached.get(userId) === current) cached.delete(userId);
    },
  );
  return entry.providers;
}

async function readProviders(userId: string): Promise<ProviderAccess[]> {
  const db = await getDb();
  const rows = await db.query<Row>(
    "select * from model_credentials where user_id = $1 order by created_at",
    [userId],
  );
  return rows.map((row) => ({
    provider: row.provider,
    apiKey: row.key_ciphertext ? decryptSecret(row.key_ciphertext) : undefined,
    baseURL: row.base_url ?? undefined,
    keySource: "user" as const,
  }));
}
