import "server-only";
import { KilnError } from "@/lib/errors";
import { fileLimits, noFile } from "./file-rows";
import { ancestorsOf } from "./paths";
import type { FileEncoding } from "./schemas";

// Every reason a write of files can be refused, decided before anything is written: first what
// the request alone shows (checkWriteRequest), then what it meets in the workspace, read under
// the workspace lock (checkWriteAgainst).

export interface FileToPut {
  path: string;
  isDirectory: boolean;
  content: string;
  encoding: FileEncoding;
  expectedVersion?: number;
}

/** create: the path must be new; update: it must be a file already; upsert: either. */
export type PutMode = "create" | "update" | "upsert";

export interface Existing {
  path: string;
  is_directory: boolean;
  version: number;
}

function conflict(message: string, path: string) {
  return new KilnError("CONFLICT", message, { details: { path } });
}

export function tooLarge(message: string, details: Record<string, unknown>) {
  return new KilnError("PAYLOAD_TOO_LARGE", message, { details });
}

const sizeOf = (file: FileToPut) =>
  file.isDirectory
    ? 0
    : file.encoding === "base64"
      ? Buffer.byteLength(file.content, "base64")
      : Buffer.byteLength(file.content, "utf8");

/** Refusals that need no database: duplicates, a file inside another file, sizes. */
export function checkWriteRequest(files: FileToPut[]): number[] {
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

export function checkWriteAgainst(
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
