import "server-only";
import { getDb } from "@/lib/db/client";
import { lockWorkspace, noFile, subtreeCondition } from "./file-rows";

/** Deletes a file, or a directory with everything below it; answers how many rows went. */
export async function deleteFile(options: { userId: string; path: string }): Promise<number> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    // Under the lock, so that a batch writing below this directory at the same moment cannot
    // leave files whose directory is gone.
    await lockWorkspace(tx, options.userId);
    const rows = await tx.query<{ id: string }>(
      `delete from workspace_files where user_id = $1 and ${subtreeCondition("$2")} returning id`,
      [options.userId, options.path],
    );
    if (rows.length === 0) throw noFile(options.path);
    return rows.length;
  });
}
