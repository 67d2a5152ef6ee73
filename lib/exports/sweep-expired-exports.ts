import "server-only";
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { getDb } from "@/lib/db/client";
import { exportFile, exportsDir } from "./export-rows";

// Expired exports go with their files. The rows go first, so no one is handed a file that is
// about to vanish; a file whose row is gone (the process stopped in between, or the export's
// project was deleted) is removed by the next sweep.

const fileName = /^(exp_[a-z0-9]+)\.zip(\.partial)?$/;

/** Deletes expired exports and files without a row; resolves with how many were removed. */
export async function sweepExpiredExports(): Promise<number> {
  const db = await getDb();
  const expired = await db.query<{ id: string }>(
    "delete from exports where expires_at <= now() returning id",
  );
  for (const { id } of expired) await rm(exportFile(id), { force: true });

  const names = await readdir(exportsDir()).catch(() => [] as string[]);
  const ids = [
    ...new Set(names.map((n) => fileName.exec(n)?.[1]).filter((id) => id !== undefined)),
  ];
  if (ids.length === 0) return expired.length;
  const known = new Set(
    (
      await db.query<{ id: string }>("select id from exports where id = any($1::text[])", [ids])
    ).map((row) => row.id),
  );
  let orphans = 0;
  for (const name of names) {
    const id = fileName.exec(name)?.[1];
    if (id === undefined || known.has(id)) continue;
    await rm(path.join(exportsDir(), name), { force: true });
    orphans++;
  }
  return expired.length + orphans;
}
