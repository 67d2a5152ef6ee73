import "server-only";
import { getDb } from "@/lib/db/client";
import { allColumns, type FileRow, toFile } from "./file-rows";
import { putFiles } from "./put-files";
import type { CreateFileBody, WorkspaceFile } from "./schemas";

/** Creates a file or a directory, and any missing directories above it; 409 if the path is taken. */
export async function createFile(options: {
  userId: string;
  file: CreateFileBody;
}): Promise<WorkspaceFile> {
  const { userId, file } = options;
  const db = await getDb();
  return db.transaction(async (tx) => {
    await putFiles({ tx, userId, files: [file], mode: "create" });
    const [row] = await tx.query<FileRow>(
      `select ${allColumns} from workspace_files where user_id = $1 and path = $2`,
      [userId, file.path],
    );
    return toFile(row!);
  });
}
