import "server-only";
import { getDb } from "@/lib/db/client";
import { allColumns, type FileRow, toFile } from "./file-rows";
import { putFiles } from "./put-files";
import type { WorkspaceFile, WriteContentBody } from "./schemas";

/**
 * Replaces the content of an existing file (404 when there is none), as the editor saves. With
 * expectedVersion, only while the file is still at that version: a save over someone else's
 * newer save is a 409 instead of a silent overwrite.
 */
export async function writeFileContent(options: {
  userId: string;
  write: WriteContentBody;
}): Promise<WorkspaceFile> {
  const { userId, write } = options;
  const db = await getDb();
  return db.transaction(async (tx) => {
    await putFiles({ tx, userId, files: [{ ...write, isDirectory: false }], mode: "update" });
    const [row] = await tx.query<FileRow>(
      `select ${allColumns} from workspace_files where user_id = $1 and path = $2`,
      [userId, write.path],
    );
    return toFile(row!);
  });
}
