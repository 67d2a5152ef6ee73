import "server-only";
import { getDb } from "@/lib/db/client";
import { putFiles } from "./put-files";
import type { BatchFile, WorkspaceFileInfo } from "./schemas";

/**
 * Writes up to 1,000 files and directories (created or replaced, missing directories made) in
 * one transaction: when any of them is refused, none is written.
 */
export async function writeFileBatch(options: {
  userId: string;
  files: BatchFile[];
}): Promise<WorkspaceFileInfo[]> {
  const db = await getDb();
  return db.transaction((tx) =>
    putFiles({ tx, userId: options.userId, files: options.files, mode: "upsert" }),
  );
}
