import "server-only";
import { getEnv } from "@/lib/env";
import { migrate } from "./migrate";
import { openPglite } from "./pglite";
import { openPostgres } from "./postgres";
import type { Database } from "./types";

// One handle per process, kept on globalThis so that hot reloads in development reuse it:
// the data directory is this process's alone (lib/db/data-dir-lock.ts).
const holder = globalThis as unknown as { __kilnDb?: Promise<Database> };

async function open(): Promise<Database> {
  const env = getEnv();
  const db = env.DATABASE_URL
    ? await openPostgres(env.DATABASE_URL)
    : await openPglite(env.dataDir);
  await migrate(db);
  return db;
}

export function getDb(): Promise<Database> {
  holder.__kilnDb ??= open().catch((error) => {
    holder.__kilnDb = undefined;
    throw error;
  });
  return holder.__kilnDb;
}
