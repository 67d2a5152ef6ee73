import { migrate } from "@/lib/db/migrate";
import { openPglite } from "@/lib/db/pglite";
import { openPostgres } from "@/lib/db/postgres";
import type { Database } from "@/lib/db/types";

/**
 * The databases a library test runs on, each opened and migrated: an in-memory PGlite, and the
 * Postgres of TEST_DATABASE_URL when it is set.
 */
export const testDatabases: { name: "pglite" | "postgres"; open: () => Promise<Database> }[] = [
  { name: "pglite", open: () => migrated(openPglite(undefined)) },
  ...(process.env.TEST_DATABASE_URL
    ? [
        {
          name: "postgres" as const,
          open: () => migrated(openPostgres(process.env.TEST_DATABASE_URL!)),
        },
      ]
    : []),
];

async function migrated(opening: Promise<Database>): Promise<Database> {
  const db = await opening;
  await migrate(db);
  return db;
}
