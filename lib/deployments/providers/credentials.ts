import "server-only";
import { getDb } from "@/lib/db/client";
import { KilnError, notFound } from "@/lib/errors";
import { decryptSecret, encryptSecret, secretHint } from "@/lib/secrets";
import {
  type ProviderConnection,
  providerNames,
  type RemoteProvider,
  remoteProviders,
} from "./schemas";

// Each user's own Vercel and Netlify tokens, saved in Settings and sealed at rest. The plaintext
// leaves this module only for the Authorization header of a call to that provider; responses
// show a hint of it at most.

interface Row {
  provider: RemoteProvider;
  token_ciphertext: string;
  token_hint: string;
  team_id: string | null;
  updated_at: Date;
}

export interface ProviderAccess {
  token: string;
  teamId: string | undefined;
}

export async function listProviderConnections(userId: string): Promise<ProviderConnection[]> {
  const db = await getDb();
  const rows = await db.query<Row>("select * from deploy_provider_credentials where user_id = $1", [
    userId,
  ]);
  return remoteProviders.map((provider) => {
    const row = rows.find((r) => r.provider === provider);
    return {
      provider,
      connected: Boolean(row),
      tokenHint: row?.token_hint ?? null,
      teamId: row?.team_id ?? null,
      updatedAt: row ? new Date(row.updated_at).toISOString() : null,
    };
  });
}

export async function saveProviderToken(options: {
  userId: string;
  provider: RemoteProvider;
  token: string;
  teamId?: string | undefined;
}): Promise<ProviderConnection> {
  if (options.teamId && options.provider !== "vercel") {
    throw new KilnError("VALIDATION_ERROR", "teamId is for Vercel only", {
      details: { field: "teamId" },
    });
  }
  const db = await getDb();
  await db.query(
    `insert into deploy_provider_credentials (user_id, provider, token_ciphertext, token_hint, team_id)
     values ($1, $2, $3, $4, $5)
     on conflict (user_id, provider) do update
       set token_ciphertext = excluded.token_ciphertext, token_hint = excluded.token_hint,
           team_id = excluded.team_id, updated_at = now()`,
    [
      options.userId,
      options.provider,
      encryptSecret(options.token),
      secretHint(options.token),
      options.teamId ?? null,
    ],
  );
  const all = await listProviderConnections(options.userId);
  return all.find((c) => c.provider === options.provider)!;
}

export async function deleteProviderToken(userId: string, provider: RemoteProvider) {
  const db = await getDb();
  const rows = await db.query(
    "delete from deploy_provider_credentials where user_id = $1 and provider = $2 returning user_id",
    [userId, provider],
  );
  if (rows.length === 0) throw notFound(`${providerNames[provider]} token`);
}

/** The user's token for `provider`, or a 400 saying where to add one. */
export async function providerAccessFor(
  userId: string,
  provider: RemoteProvider,
): Promise<ProviderAccess> {
  const access = await findProviderAccess(userId, provider);
  if (!access) {
    throw new KilnError(
      "VALIDATION_ERROR",
      `${providerNames[provider]} is not connected: add your ${providerNames[provider]} token in Settings`,
      { reason: "provider_not_connected", details: { field: "provider", provider } },
    );
  }
  return access;
}

export async function findProviderAccess(
  userId: string,
  provider: RemoteProvider,
): Promise<ProviderAccess | undefined> {
  const db = await getDb();
  const [row] = await db.query<Row>(
    "select * from deploy_provider_credentials where user_id = $1 and provider = $2",
    [userId, provider],
  );
  if (!row) return undefined;
  return { token: decryptSecret(row.token_ciphertext), teamId: row.team_id ?? undefined };
}
