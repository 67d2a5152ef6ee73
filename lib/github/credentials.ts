import "server-only";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { KilnError, notFound } from "@/lib/errors";
import { decryptSecret, encryptSecret, secretHint } from "@/lib/secrets";
import { callGithub, githubClient } from "./client";
import type { GithubConnection } from "./schemas";

// Whose token a user's GitHub calls carry: their own, saved in Settings; or, on a single-user
// install, the operator's GITHUB_TOKEN. With a second account the server token stops counting,
// so one user's GitHub is never another's.

interface Row {
  token_ciphertext: string;
  token_hint: string;
  login: string;
  origin: "token" | "sign-in";
  updated_at: Date;
}

async function ownToken(userId: string): Promise<Row | undefined> {
  const db = await getDb();
  const [row] = await db.query<Row>(
    `select token_ciphertext, token_hint, login, origin, updated_at
       from github_credentials where user_id = $1`,
    [userId],
  );
  return row;
}

async function isSingleUserInstall(): Promise<boolean> {
  const db = await getDb();
  const [row] = await db.query<{ n: number }>("select count(*)::int as n from users");
  return row?.n === 1;
}

/** The token for this user's calls, or a clear refusal saying how to connect one. */
export async function githubTokenFor(userId: string): Promise<string> {
  const own = await ownToken(userId);
  if (own) return decryptSecret(own.token_ciphertext);
  const serverToken = getEnv().GITHUB_TOKEN;
  if (serverToken && (await isSingleUserInstall())) return serverToken;
  throw new KilnError(
    "UNAUTHORIZED",
    "GitHub is not connected: add a personal access token in Settings",
    { reason: "github_not_connected" },
  );
}

export async function getGithubConnection(userId: string): Promise<GithubConnection> {
  const own = await ownToken(userId);
  if (own) {
    return {
      connected: true,
      source: own.origin === "sign-in" ? "sign-in" : "user",
      login: own.login,
      tokenHint: own.token_hint,
      updatedAt: new Date(own.updated_at).toISOString(),
    };
  }
  const isServer = Boolean(getEnv().GITHUB_TOKEN) && (await isSingleUserInstall());
  return {
    connected: isServer,
    source: isServer ? "server" : null,
    login: null,
    tokenHint: null,
    updatedAt: null,
  };
}

/**
 * Checks the token with GitHub (a token GitHub refuses is not saved), then seals it. A token
 * from signing in with GitHub replaces an earlier one of its kind but never a token the user
 * saved in Settings: that one they chose.
 */
export async function saveGithubToken(options: {
  userId: string;
  token: string;
  origin?: "token" | "sign-in";
}): Promise<GithubConnection> {
  const client = githubClient(options.token);
  const { data } = await callGithub("account", () => client.rest.users.getAuthenticated());
  const db = await getDb();
  await db.query(
    `insert into github_credentials (user_id, token_ciphertext, token_hint, login, origin)
     values ($1, $2, $3, $4, $5)
     on conflict (user_id) do update
       set token_ciphertext = excluded.token_ciphertext, token_hint = excluded.token_hint,
           login = excluded.login, origin = excluded.origin, updated_at = now()
       where excluded.origin = 'token' or github_credentials.origin = 'sign-in'`,
    [
      options.userId,
      encryptSecret(options.token),
      secretHint(options.token),
      data.login,
      options.origin ?? "token",
    ],
  );
  return getGithubConnection(options.userId);
}

export async function deleteGithubToken(userId: string): Promise<void> {
  const db = await getDb();
  const rows = await db.query(
    "delete from github_credentials where user_id = $1 returning user_id",
    [userId],
  );
  if (rows.length === 0) throw notFound("GitHub connection");
}
