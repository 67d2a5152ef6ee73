import "server-only";
import path from "node:path";
import { KilnError } from "@/lib/errors";

// The path rules every provider shares: a sandbox's files are seen inside it as /workspace, and a
// client's path is resolved against it and refused when it would leave it: "..", absolute paths
// elsewhere, NUL bytes.

export const sandboxRoot = "/workspace";

/** The path inside the sandbox for a client's path, or a 400 saying why not. */
export function sandboxPath(requested: string, cwd = sandboxRoot): string {
  if (requested.includes("\0")) throw badPath(requested, "contains a NUL byte");
  const resolved = path.posix.resolve(cwd, requested);
  if (resolved !== sandboxRoot && !resolved.startsWith(`${sandboxRoot}/`)) {
    throw badPath(requested, `is outside ${sandboxRoot}`);
  }
  return resolved;
}

export function badPath(requested: string, why: string) {
  return new KilnError("VALIDATION_ERROR", `path: "${requested.slice(0, 200)}" ${why}`, {
    details: { field: "path" },
  });
}

/**
 * A filesystem error met on a client's path, as the client should hear it: what the path names
 * (too long, missing, a directory, a full disk) is the client's to fix, so it is a 4xx; anything
 * else is Kiln's own fault and stays as it is.
 */
export function workspaceError(error: unknown, requested: string): unknown {
  if (error instanceof KilnError) return error;
  switch ((error as NodeJS.ErrnoException)?.code) {
    case "ENAMETOOLONG":
      return badPath(requested, "has a part longer than 255 bytes");
    case "ENOENT":
    case "ENOTDIR":
      return new KilnError("NOT_FOUND", `No file or directory at ${sandboxPath(requested)}`);
    case "EISDIR":
      return badPath(requested, "is a directory");
    case "ELOOP":
      return badPath(requested, "passes through a link, which Kiln does not follow");
    case "EEXIST":
      return new KilnError("CONFLICT", `${sandboxPath(requested)} already exists`);
    case "EINVAL":
    case "EILSEQ":
      return badPath(requested, "is not a valid file name here");
    case "ENOSPC":
    case "EDQUOT":
    case "EFBIG":
      return new KilnError("PAYLOAD_TOO_LARGE", "The sandbox's workspace is full");
    case "ETXTBSY":
      return new KilnError(
        "CONFLICT",
        `${sandboxPath(requested)} is running and cannot be changed`,
      );
    default:
      return error;
  }
}

/** The components of a path inside the sandbox, below /workspace. */
export function componentsOf(inside: string): string[] {
  return path.posix.relative(sandboxRoot, sandboxPath(inside)).split("/").filter(Boolean);
}
