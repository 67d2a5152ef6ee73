import "server-only";
import { KilnError } from "@/lib/errors";
import { workspaceError } from "@/lib/sandbox/sandbox-paths";
import { getSandboxOrThrow } from "./open-sandbox";

// A sandbox's own files, to keep: everything under its workspace that the app's author wrote or
// changed, walked a directory at a time. What running the app made (installed packages, caches,
// build output: `isSkipped`) and links are left out, and so are binary files, which a sandbox's
// files API reads as text only: they are answered as `binary`, so the caller can say so. A tree
// past `maxFiles` files (or directories) or a file past `maxFileBytes` is refused whole rather
// than kept in part; so is a directory of `listedAtMost` entries or more, which a sandbox lists
// only in part. What is not a regular file (a FIFO, a socket) or is gone by the time it is read
// (a running app's temporary file) is not the app's source and is passed over.

/** The most entries a sandbox lists of one directory (lib/sandbox/local/workspace.ts). */
const listedAtMost = 1000;

export async function readSandboxTree(options: {
  userId: string;
  sbxId: string;
  /** Directories (relative to the workspace) that are not walked. */
  isSkipped: (relativePath: string) => boolean;
  maxFiles: number;
  maxFileBytes: number;
}): Promise<{ files: { path: string; content: string }[]; binary: string[] }> {
  const { handle } = await getSandboxOrThrow(options.userId, options.sbxId);
  const found: { path: string; size: number }[] = [];
  const pending = ["."];
  let dirs = 0;
  while (pending.length > 0) {
    const dir = pending.shift()!;
    if (++dirs > options.maxFiles) {
      throw new KilnError(
        "PAYLOAD_TOO_LARGE",
        `The sandbox holds more than ${options.maxFiles} directories outside installed packages and build output`,
        { details: { limit: options.maxFiles } },
      );
    }
    const entries = await handle.listFiles(dir).catch((error: unknown) => {
      throw workspaceError(error, dir);
    });
    if (entries.length >= listedAtMost) {
      throw new KilnError(
        "PAYLOAD_TOO_LARGE",
        `${dir === "." ? "The sandbox's workspace" : `${dir} in the sandbox`} holds ${listedAtMost} entries or more, more than a save takes from one directory`,
        { details: { path: dir, limit: listedAtMost } },
      );
    }
    for (const entry of entries) {
      const path = dir === "." ? entry.name : `${dir}/${entry.name}`;
      if (entry.type === "directory" && !options.isSkipped(path)) pending.push(path);
      if (entry.type !== "file") continue;
      if (entry.size > options.maxFileBytes) {
        throw new KilnError(
          "PAYLOAD_TOO_LARGE",
          `${path} in the sandbox is ${Math.ceil(entry.size / 1024)} KB, more than a workspace file may be (${Math.floor(options.maxFileBytes / 1024)} KB)`,
          { details: { path } },
        );
      }
      found.push({ path, size: entry.size });
      if (found.length > options.maxFiles) {
        throw new KilnError(
          "PAYLOAD_TOO_LARGE",
          `The sandbox holds more than ${options.maxFiles} files outside installed packages and build output`,
          { details: { limit: options.maxFiles } },
        );
      }
    }
  }
  const files: { path: string; content: string }[] = [];
  const binary: string[] = [];
  for (const file of found) {
    const content = await handle.readFile(file.path).catch((error: unknown) => {
      const refused = workspaceError(error, file.path);
      if (refused instanceof KilnError && refused.code === "NOT_FOUND") return undefined;
      throw refused;
    });
    if (content === undefined) continue;
    // Read as UTF-8, bytes that are not text come back as U+FFFD; a NUL is no text's either.
    if (content.includes("\uFFFD") || content.includes("\u0000")) binary.push(file.path);
    else files.push({ path: file.path, content });
  }
  return { files, binary };
}
