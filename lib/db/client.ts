import "server-only";
import { getEnv } from "@/lib/env";
import { processSlot } from "@/lib/process-lifetime";
import { migrate } from "./migrate";
import { openPglite } from "./pglite";
import { openPostgres } from "./postgres";
import type { Database } from "./types";

// One handle per process (lib/process-lifetime.ts), so that hot reloads in development reuse it:
// the data directory is this process's alone (lib/db/data-dir-lock.ts).
const holder = processSlot("db", (): { db?: Promise<Database> } => ({}));

async function open(): Promise<Database> {
  const env = getEnv();
  const db = env.DATABASE_URL
    ? await openPostgres(env.DATABASE_URL)
    : await openPglite(env.dataDir);
  await migrate(db);
  return db;
}

export function getDb(): Promise<Database> {
  holder.db ??= open().catch((error) => {
    holder.db = undefined;
    throw error;
  });
  return holder.db;
}
