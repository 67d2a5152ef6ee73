import "server-only";
import { getDb } from "@/lib/db/client";
import type { Queryable } from "@/lib/db/types";
import { KilnError } from "@/lib/errors";
import { lockWorkspace } from "./file-rows";
import { folderLabel } from "./folder-fragment";
import { putFiles } from "./put-files";

// Files that went out of a workspace folder (into a chat or a sandbox) coming back into it. Each
// file is written only when its content differs from the workspace's, and only while the
// workspace's file is still at the version it went out at (one that did not exist then must not
// exist now): a file changed in the workspace in the meantime is a 409 naming every such file,
// and nothing is written. Files that went out and did not come back are left as they are.

export interface SavedFolder {
  path: string;
  /** Files written, relative to the folder. */
  written: string[];
  /** Files whose content was the workspace's already. */
  unchanged: string[];
  /** Every file's version now, relative to the folder: what the next save back starts from. */
  versions: Record<string, number>;
}

const join = (folder: string, path: string) => (folder === "" ? path : `${folder}/${path}`);

export async function saveToFolder(options: {
  userId: string;
  folder: string;
  files: { path: string; content: string }[];
  /**
   * The versions the files went out at, relative to the folder (none: no version is checked),
   * or how to read them in the save's transaction, where `onSaved` records the new ones: two
   * saves of one chat then cannot each record their own and lose the other's.
   */
  versions:
    | Record<string, number>
    | undefined
    | ((tx: Queryable) => Promise<Record<string, number> | undefined>);
  onSaved?: (tx: Queryable, versions: Record<string, number>) => Promise<void>;
}): Promise<SavedFolder> {
  const { userId, folder } = options;
  const db = await getDb();
  return db.transaction(async (tx) => {
    await lockWorkspace(tx, userId);
    const recorded =
      typeof options.versions === "function" ? await options.versions(tx) : options.versions;
    // Own keys only: a file may be called "constructor" or "__proto__", which every plain object
    // answers for without holding it.
    const wentOutAt = (path: string) =>
      recorded && Object.hasOwn(recorded, path) ? recorded[path] : undefined;
    const rows = await tx.query<{
      path: string;
      is_directory: boolean;
      encoding: string;
      content: string | null;
      version: number;
    }>(
      `select path, is_directory, encoding, content, version from workspace_files
        where user_id = $1 and path = any($2::text[])`,
      [userId, options.files.map((file) => join(folder, file.path))],
    );
    const current = new Map(rows.map((row) => [row.path, row]));
    const conflicts: { path: string; expectedVersion: number; currentVersion: number | null }[] =
      [];
    const toWrite: typeof options.files = [];
    const unchanged: string[] = [];
    for (const file of options.files) {
      const now = current.get(join(folder, file.path));
      const isSame = now && !now.is_directory && now.encoding === "utf-8";
      if (isSame && now.content === file.content) {
        unchanged.push(file.path);
        continue;
      }
      const found = now ? Number(now.version) : null;
      const expected = recorded ? (wentOutAt(file.path) ?? 0) : (found ?? 0);
      if ((found ?? 0) !== expected || now?.is_directory) {
        conflicts.push({
          path: join(folder, file.path),
          expectedVersion: expected,
          currentVersion: found,
        });
      } else toWrite.push(file);
    }
    if (conflicts.length > 0) {
      const names = conflicts.map((c) => c.path);
      throw new KilnError(
        "CONFLICT",
        `${names.slice(0, 5).join(", ")}${names.length > 5 ? ` and ${names.length - 5} more` : ""} changed in your workspace since these files left ${folderLabel(folder)}; nothing was saved. Move or rename those files there, or save to another folder`,
        { details: { conflicts } },
      );
    }
    const written =
      toWrite.length === 0
        ? []
        : await putFiles({
            tx,
            userId,
            mode: "upsert",
            files: toWrite.map((file) => ({
              path: join(folder, file.path),
              isDirectory: false,
              content: file.content,
              encoding: "utf-8",
              ...(recorded ? { expectedVersion: wentOutAt(file.path) ?? 0 } : {}),
            })),
          });
    const versions = new Map(Object.entries(recorded ?? {}));
    for (const file of unchanged)
      versions.set(file, Number(current.get(join(folder, file))!.version));
    for (const info of written) {
      versions.set(folder === "" ? info.path : info.path.slice(folder.length + 1), info.version);
    }
    const saved = {
      path: folder,
      written: toWrite.map((file) => file.path),
      unchanged,
      versions: Object.fromEntries(versions),
    };
    await options.onSaved?.(tx, saved.versions);
    return saved;
  });
}
