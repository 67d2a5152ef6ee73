import "server-only";
import type { Queryable } from "@/lib/db/types";
import {
  checkWriteAgainst,
  checkWriteRequest,
  type Existing,
  type FileToPut,
  type PutMode,
  tooLarge,
} from "./check-writes";
import { type FileRow, fileLimits, infoColumns, lockWorkspace, toFileInfo } from "./file-rows";
import { ancestorsOf, baseName, parentOf } from "./paths";
import type { WorkspaceFileInfo } from "./schemas";

// The one way files get written: single creates, content saves and batches all come here, in the
// caller's transaction. Everything that can refuse a write is checked before anything is
// written, under the workspace lock (file-rows.ts), and the quota is checked after the writes in
// the same transaction: a refusal rolls back all of it, so a batch is all or nothing.

/** Writes `files` for `userId` inside transaction `tx`; answers each file's row in input order. */
export async function putFiles(options: {
  tx: Queryable;
  userId: string;
  files: FileToPut[];
  mode: PutMode;
}): Promise<WorkspaceFileInfo[]> {
  const { tx, userId, files, mode } = options;
  const sizes = checkWriteRequest(files);
  const paths = files.map((f) => f.path);
  const dirs = [...new Set(files.flatMap((f) => ancestorsOf(f.path)))];

  await lockWorkspace(tx, userId);
  const rows = await tx.query<Existing>(
    `select path, is_directory, version from workspace_files
      where user_id = $1 and path = any($2::text[])`,
    [userId, [...paths, ...dirs]],
  );
  const existing = new Map(rows.map((row) => [row.path, row]));
  checkWriteAgainst(files, dirs, existing, mode);

  const missingDirs = dirs.filter((dir) => !existing.has(dir));
  if (missingDirs.length > 0) {
    await tx.query(
      `insert into workspace_files (user_id, path, name, parent_path, is_directory)
       select $1, p, n, pp, true from unnest($2::text[], $3::text[], $4::text[]) as t(p, n, pp)
       on conflict (user_id, path) do nothing`,
      [userId, missingDirs, missingDirs.map(baseName), missingDirs.map(parentOf)],
    );
  }

  // Directories that exist already stay as they are; everything else is inserted or replaced.
  const toWrite = files.flatMap((file, i) =>
    file.isDirectory && existing.has(file.path) ? [] : [{ file, size: sizes[i]! }],
  );
  const written =
    toWrite.length === 0
      ? []
      : await tx.query<FileRow>(
          `insert into workspace_files
             (user_id, path, name, parent_path, is_directory, content, content_binary, encoding, size_bytes)
           select $1, p, n, pp, d, case when not d and e = 'utf-8' then c end,
                  case when not d and e = 'base64' then decode(c, 'base64') end, e, s
             from unnest($2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[], $7::text[], $8::bigint[])
               as t(p, n, pp, d, c, e, s)
           on conflict (user_id, path) do update
              set content = excluded.content, content_binary = excluded.content_binary,
                  encoding = excluded.encoding, size_bytes = excluded.size_bytes,
                  version = workspace_files.version + 1, updated_at = now()
           returning ${infoColumns}`,
          [
            userId,
            toWrite.map(({ file }) => file.path),
            toWrite.map(({ file }) => baseName(file.path)),
            toWrite.map(({ file }) => parentOf(file.path)),
            toWrite.map(({ file }) => file.isDirectory),
            toWrite.map(({ file }) => (file.isDirectory ? null : file.content)),
            toWrite.map(({ file }) => (file.isDirectory ? "utf-8" : file.encoding)),
            toWrite.map(({ size }) => size),
          ],
        );
  await checkQuota(tx, userId);

  const byPath = new Map(written.map((row) => [row.path, toFileInfo(row)]));
  const kept = paths.filter((path) => !byPath.has(path));
  if (kept.length > 0) {
    const more = await tx.query<FileRow>(
      `select ${infoColumns} from workspace_files where user_id = $1 and path = any($2::text[])`,
      [userId, kept],
    );
    for (const row of more) byPath.set(row.path, toFileInfo(row));
  }
  return paths.map((path) => byPath.get(path)!);
}

/** Refuses (and so rolls back) a transaction that leaves the workspace over its quota. */
async function checkQuota(tx: Queryable, userId: string): Promise<void> {
  const { userBytes } = fileLimits();
  // Kept up to date by the table's triggers, within this transaction's own writes.
  const [row] = await tx.query<{ bytes: string | number }>(
    "select bytes from workspace_usage where user_id = $1",
    [userId],
  );
  const total = Number(row?.bytes ?? 0);
  if (total > userBytes) {
    throw tooLarge(
      `This would make your workspace ${total} bytes; it may hold at most ${userBytes}. Delete files to make room.`,
      { total, limit: userBytes },
    );
  }
}
