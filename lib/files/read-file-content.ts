import "server-only";
import { getDb } from "@/lib/db/client";
import { KilnError } from "@/lib/errors";
import { allColumns, contentOf, type FileRow, noFile } from "./file-rows";
import type { FileContent, FileEncoding } from "./schemas";

/** A file's content: as stored (text, or bytes in base64) unless an encoding is asked for. */
export async function readFileContent(options: {
  userId: string;
  path: string;
  encoding?: FileEncoding;
}): Promise<FileContent> {
  const db = await getDb();
  const [row] = await db.query<FileRow>(
    `select ${allColumns} from workspace_files where user_id = $1 and path = $2`,
    [options.userId, options.path],
  );
  if (!row) throw noFile(options.path);
  if (row.is_directory) {
    throw new KilnError("VALIDATION_ERROR", `path: ${row.path} is a directory`, {
      details: { path: row.path },
    });
  }
  const encoding = options.encoding ?? row.encoding;
  return {
    content: contentOf(row, encoding) ?? "",
    encoding,
    path: row.path,
    name: row.name,
    size_bytes: Number(row.size_bytes),
    version: Number(row.version),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}
