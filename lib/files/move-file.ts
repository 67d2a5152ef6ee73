import "server-only";
import { getDb } from "@/lib/db/client";
import { KilnError } from "@/lib/errors";
import {
  type FileRow,
  infoColumns,
  lockWorkspace,
  noFile,
  subtreeCondition,
  toFileInfo,
} from "./file-rows";
import { ancestorsOf, baseName, isWithin, parentOf } from "./paths";
import type { MoveFileBody, WorkspaceFileInfo } from "./schemas";

/**
 * Renames or moves a file or a directory (with everything below it) to a path that is free,
 * making missing directories above it. Every moved row gets a new version: a save aimed at the
 * old path finds nothing there, and one that names the old version is stale.
 */
export async function moveFile(options: {
  userId: string;
  move: MoveFileBody;
}): Promise<{ file: WorkspaceFileInfo; moved: number }> {
  const { userId } = options;
  const { from, to, expectedVersion } = options.move;
  if (from === to) {
    throw new KilnError("VALIDATION_ERROR", `to: ${to} is where the file is already`);
  }
  if (isWithin(to, from)) {
    throw new KilnError("VALIDATION_ERROR", `to: ${from} cannot be moved inside itself`);
  }
  const db = await getDb();
  return db.transaction(async (tx) => {
    await lockWorkspace(tx, userId);
    const dirs = ancestorsOf(to);
    const rows = await tx.query<{ path: string; is_directory: boolean; version: number }>(
      `select path, is_directory, version from workspace_files
        where user_id = $1 and path = any($2::text[])`,
      [userId, [from, to, ...dirs]],
    );
    const found = new Map(rows.map((row) => [row.path, row]));
    const source = found.get(from);
    if (!source) throw noFile(from);
    if (expectedVersion !== undefined && source.version !== expectedVersion) {
      throw new KilnError(
        "CONFLICT",
        `${from} changed since version ${expectedVersion}: it is at version ${source.version} now`,
        { details: { path: from, expectedVersion, currentVersion: source.version } },
      );
    }
    if (found.has(to)) {
      throw new KilnError("CONFLICT", `${to} already exists`, { details: { path: to } });
    }
    const fileDir = dirs.find((dir) => found.get(dir)?.is_directory === false);
    if (fileDir) {
      throw new KilnError("CONFLICT", `${fileDir} is a file, so it cannot hold other files`, {
        details: { path: fileDir },
      });
    }
    const missing = dirs.filter((dir) => !found.has(dir));
    if (missing.length > 0) {
      await tx.query(
        `insert into workspace_files (user_id, path, name, parent_path, is_directory)
         select $1, p, n, pp, true from unnest($2::text[], $3::text[], $4::text[]) as t(p, n, pp)`,
        [userId, missing, missing.map(baseName), missing.map(parentOf)],
      );
    }
    // Below the moved directory, only the leading `from` of each path changes.
    const moved = await tx.query<FileRow>(
      `update workspace_files
          set path = $3 || substr(path, length($2) + 1),
              parent_path = case when path = $2 then $4 else $3 || substr(parent_path, length($2) + 1) end,
              name = case when path = $2 then $5 else name end,
              version = version + 1,
              updated_at = now()
        where user_id = $1 and ${subtreeCondition("$2")}
        returning ${infoColumns}`,
      [userId, from, to, parentOf(to), baseName(to)],
    );
    const top = moved.find((row) => row.path === to)!;
    return { file: toFileInfo(top), moved: moved.length };
  });
}
