import "server-only";
import type { Queryable } from "@/lib/db/types";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import type { FileEncoding, WorkspaceFile, WorkspaceFileInfo } from "./schemas";

// What every files service shares: the row and its two public shapes, the per-user lock that
// makes check-then-write safe, and the limits.

export interface FileRow {
  id: string;
  user_id: string;
  path: string;
  name: string;
  parent_path: string;
  is_directory: boolean;
  encoding: FileEncoding;
  size_bytes: string | number | bigint;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
  content?: string | null;
  content_binary?: Uint8Array | null;
}

export const infoColumns =
  "id, user_id, path, name, parent_path, is_directory, encoding, size_bytes, version, created_at, updated_at";
export const allColumns = `${infoColumns}, content, content_binary`;

const iso = (value: Date | string) => new Date(value).toISOString();

export function toFileInfo(row: FileRow): WorkspaceFileInfo {
  return {
    id: row.id,
    user_id: row.user_id,
    path: row.path,
    name: row.name,
    encoding: row.encoding,
    is_directory: row.is_directory,
    parent_path: row.parent_path,
    size_bytes: Number(row.size_bytes),
    version: Number(row.version),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

export function toFile(row: FileRow): WorkspaceFile {
  return { ...toFileInfo(row), content: contentOf(row, row.encoding) };
}

/** A file's content in the encoding asked for; null for a directory. */
export function contentOf(row: FileRow, encoding: FileEncoding): string | null {
  if (row.is_directory) return null;
  const bytes =
    row.encoding === "base64"
      ? Buffer.from(row.content_binary ?? new Uint8Array())
      : Buffer.from(row.content ?? "", "utf8");
  if (encoding === "base64") return bytes.toString("base64");
  if (row.encoding === "utf-8") return row.content ?? "";
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new KilnError(
      "VALIDATION_ERROR",
      `encoding: ${row.path} holds bytes that are not UTF-8 text; read it with encoding=base64`,
      { details: { field: "encoding" } },
    );
  }
}

/**
 * Holds the caller's workspace for the rest of the transaction: writes of one user run one at a
 * time, so a quota or version checked inside the transaction still holds when it commits.
 * Other users' writes are not held up.
 */
export async function lockWorkspace(tx: Queryable, userId: string): Promise<void> {
  await tx.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [`workspace:${userId}`]);
}

export function fileLimits() {
  const env = getEnv();
  return { fileBytes: env.KILN_FILES_MAX_FILE_BYTES, userBytes: env.KILN_FILES_MAX_USER_BYTES };
}

/** Request bodies of single-file writes: one largest file in base64, and room for its fields. */
export function fileBodyLimit(): number {
  const env = getEnv();
  return Math.max(
    env.KILN_BODY_LIMIT_BYTES,
    Math.ceil(env.KILN_FILES_MAX_FILE_BYTES / 3) * 4 + 64 * 1024,
  );
}

export function batchBodyLimit(): number {
  return getEnv().KILN_FILES_MAX_BATCH_BYTES;
}

/** The rows of `path` and everything below it: one range of the (user_id, path) index. */
export const subtreeCondition = (pathParam: string) =>
  `(path = ${pathParam} or (path >= ${pathParam} || '/' and path < ${pathParam} || '0'))`;

export function noFile(path: string): KilnError {
  return new KilnError("NOT_FOUND", `No file or directory at ${path}`);
}
