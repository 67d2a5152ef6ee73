import "server-only";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Database } from "./types";

// Any constant works; it only has to be the same in every Kiln process sharing a database.
const migrationLockKey = 0x6b696c6e;

export const migrationsDir = path.join(process.cwd(), "supabase", "migrations");

/**
 * Applies every file in supabase/migrations that this database has not seen, in name order,
 * each in its own transaction. Safe when several processes start at once: they queue on an
 * advisory lock and re-read what is applied once they hold it.
 */
export async function migrate(db: Database, dir = migrationsDir): Promise<string[]> {
  const files = (await readdir(/*turbopackIgnore: true*/ dir))
    .filter((f) => f.endsWith(".sql"))
    .sort();
  return db.withAdvisoryLock(migrationLockKey, async (conn) => {
    // Row level security with no policy, like every table: on Supabase, direct clients see none
    // of it; Kiln's server, which owns it, is not bound by it.
    await conn.exec(
      `create table if not exists kiln_migrations (
         name text primary key,
         applied_at timestamptz not null default now()
       );
       alter table kiln_migrations enable row level security;`,
    );
    const done = new Set(
      (await conn.query<{ name: string }>("select name from kiln_migrations")).map((r) => r.name),
    );
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await readFile(path.join(/*turbopackIgnore: true*/ dir, file), "utf8");
      await conn
        .exec(
          `begin;\n${sql}\n;insert into kiln_migrations (name) values ('${file.replaceAll("'", "''")}');\ncommit;`,
        )
        .catch(async (error: unknown) => {
          await conn.exec("rollback").catch(() => {});
          throw new Error(`Migration ${file} failed: ${(error as Error).message}`);
        });
      applied.push(file);
    }
    return applied;
  });
}
