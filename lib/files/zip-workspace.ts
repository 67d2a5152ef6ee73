import "server-only";
import { getDb } from "@/lib/db/client";
import { type ZipEntry, zipStream } from "@/lib/zip/zip-stream";
import { type FileRow, noFile, subtreeCondition } from "./file-rows";
import { baseName } from "./paths";

// The workspace, or a folder of it, as a zip download: rows are read a page at a time in path
// order while the zip is written, so memory holds one page whatever the workspace's size. In
// the zip, paths are relative to the folder asked for, inside one folder named after it.

const pageSize = 100;

export async function zipWorkspace(options: {
  userId: string;
  path?: string;
}): Promise<{ stream: ReadableStream<Uint8Array>; fileName: string }> {
  const { userId } = options;
  const folder = options.path ?? "";
  const db = await getDb();
  const where = `user_id = $1 ${folder ? `and ${subtreeCondition("$2")}` : ""}`;
  const base = folder ? [userId, folder] : [userId];
  const [first] = await db.query<{ path: string; is_directory: boolean }>(
    `select path, is_directory from workspace_files where ${where} order by path limit 1`,
    base,
  );
  if (folder && !first) throw noFile(folder);
  // A single file is zipped alone, under its own name.
  const isFile = folder !== "" && first?.path === folder && !first.is_directory;
  const root = isFile ? "" : folder;
  const name = folder ? baseName(folder).replace(/\.[^.]*$/, "") || baseName(folder) : "workspace";
  const prefix = `${name}/`;

  async function* entries(): AsyncGenerator<ZipEntry> {
    yield { name: prefix, modified: new Date() };
    let after = "";
    for (;;) {
      const rows = await db.query<FileRow>(
        `select path, is_directory, encoding, content, content_binary, updated_at
           from workspace_files
          where ${where} and path > $${base.length + 1}
          order by path limit ${pageSize}`,
        [...base, after],
      );
      for (const row of rows) {
        if (row.path === folder && row.is_directory) continue;
        const relative = isFile
          ? baseName(row.path)
          : root
            ? row.path.slice(root.length + 1)
            : row.path;
        const modified = new Date(row.updated_at);
        if (row.is_directory) yield { name: `${prefix}${relative}/`, modified };
        else {
          const data =
            row.encoding === "base64"
              ? (row.content_binary ?? new Uint8Array())
              : Buffer.from(row.content ?? "", "utf8");
          yield { name: `${prefix}${relative}`, data, modified };
        }
      }
      if (rows.length < pageSize) return;
      after = rows.at(-1)!.path;
    }
  }
  return { stream: zipStream(entries()), fileName: `${name}.zip` };
}
