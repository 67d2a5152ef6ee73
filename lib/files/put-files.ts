import "server-only";
import type { Queryable } from "@/lib/db/types";
import { KilnError } from "@/lib/errors";
import {
  type FileRow,
  fileLimits,
  infoColumns,
  lockWorkspace,
  noFile,
  toFileInfo,
} from "./file-rows";
import { ancestorsOf, baseName, parentOf } from "./paths";
import type { FileEncoding, WorkspaceFileInfo } from "./schemas";

// The one way files get written: single creates, content saves and batches all come here, in the
// caller's transaction. Everything that can refuse a write is checked before anything is
// written, under the workspace lock (file-rows.ts), and the quota is checked after the writes in
// the same transaction: a refusal rolls back all of it, so a batch is all or nothing.

export interface FileToPut {
  path: string;
  isDirectory: boolean;
  content: string;
  encoding: FileEncoding;
  expectedVersion?: number;
}

/** create: the path must be new; update: it must be a file already; upsert: either. */
export type PutMode = "create" | "update" | "upsert";

interface Existing {
  path: string;
  is_directory: boolean;
  version: number;
}

function conflict(message: string, path: string) {
  return new KilnError("CONFLICT", message, { details: { path } });
}

function tooLarge(message: string, details: Record<string, unknown>) {
  return new KilnError("PAYLOAD_TOO_LARGE", message, { details });
}

const sizeOf = (file: FileToPut) =>
  file.isDirectory
    ? 0
    : file.encoding === "base64"
      ? Buffer.byteLength(file.content, "base64")
      : Buffer.byteLength(file.content, "utf8");

/** Refusals that need no database: duplicates, a file inside another file, sizes. */
function checkRequest(files: FileToPut[]): number[] {
  const { fileBytes } = fileLimits();
  const byPath = new Map<string, FileToPut>();
  for (const file of files) {
    if (byPath.has(file.path)) {
      throw new KilnError("VALIDATION_ERROR", `files: ${file.path} is listed twice`, {
        details: { path: file.path },
      });
    }
    byPath.set(file.path, file);
  }
  for (const file of files) {
    for (const dir of ancestorsOf(file.path)) {
      if (byPath.get(dir)?.isDirectory === false) {
        throw new KilnError(
          "VALIDATION_ERROR",
          `files: ${dir} is written as a file and also holds ${file.path}`,
          { details: { path: file.path } },
        );
      }
    }
  }
  return files.map((file) => {
    const size = sizeOf(file);
    if (size > fileBytes) {
      throw tooLarge(`${file.path} is ${size} bytes; a file may have at most ${fileBytes}`, {
        path: file.path,
        size,
        limit: fileBytes,
      });
    }
    return size;
  });
}

function checkAgainst(
  files: FileToPut[],
  dirs: string[],
  existing: Map<string, Existing>,
  mode: PutMode,
) {
  for (const dir of dirs) {
    if (existing.get(dir)?.is_directory === false) {
      throw conflict(`${dir} is a file, so it cannot hold other files`, dir);
    }
  }
  for (const file of files) {
    const found = existing.get(file.path);
    if (mode === "create" && found) throw conflict(`${file.path} already exists`, file.path);
    if (mode === "update" && (!found || found.is_directory)) {
      if (found) {
        throw new KilnError("VALIDATION_ERROR", `path: ${file.path} is a directory`, {
          details: { path: file.path },
        });
      }
      throw noFile(file.path);
    }
    if (found && found.is_directory !== file.isDirectory) {
      const kind = found.is_directory ? "a directory" : "a file";
      throw conflict(`${file.path} already exists as ${kind}`, file.path);
    }
    const expected = file.expectedVersion;
    if (expected === 0 && found) {
      throw new KilnError("CONFLICT", `${file.path} already exists (expected it not to)`, {
        details: { path: file.path, currentVersion: found.version },
      });
    }
    if (expected !== undefined && expected > 0 && found?.version !== expected) {
      throw new KilnError(
        "CONFLICT",
        found
          ? `${file.path} changed since version ${expected}: it is at version ${found.version} now`
          : `${file.path} no longer exists (expected version ${expected})`,
        {
          details: {
            path: file.path,
            expectedVersion: expected,
            currentVersion: found?.version ?? null,
          },
        },
      );
    }
  }
}

/** Writes `files` for `userId` inside transaction `tx`; answers each file's row in input order. */
export async function putFiles(options: {
  tx: Queryable;
  userId: string;
  files: FileToPut[];
  mode: PutMode;
}): Promise<WorkspaceFileInfo[]> {
  const { tx, userId, files, mode } = options;
  const sizes = checkRequest(files);
  const paths = files.map((f) => f.path);
  const dirs = [...new Set(files.flatMap((f) => ancestorsOf(f.path)))];

  await lockWorkspace(tx, userId);
  const rows = await tx.query<Existing>(
    `select path, is_directory, version from workspace_files
      where user_id = $1 and path = any($2::text[])`,
    [userId, [...paths, ...dirs]],
  );
  const existing = new Map(rows.map((row) => [row.path, row]));
  checkAgainst(files, dirs, existing, mode);

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
