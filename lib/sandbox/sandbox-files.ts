import "server-only";
import { KilnError } from "@/lib/errors";
import { sandboxPath, workspaceError } from "@/lib/sandbox/sandbox-paths";
import { getSandboxOrThrow } from "./open-sandbox";

// The files API of a sandbox: paths are checked by the provider (workspace.ts locally), and a
// path is read as a file or listed as a directory, whichever it is. Whatever the filesystem
// says about a client's path (too long, not a directory, disk full) is a 4xx on every provider.

export async function writeSandboxFiles(options: {
  userId: string;
  sbxId: string;
  files: { path: string; content: string }[];
}): Promise<string[]> {
  const { handle } = await getSandboxOrThrow(options.userId, options.sbxId);
  return handle.writeFiles(options.files).catch((error: unknown) => {
    throw workspaceError(error, options.files.length === 1 ? options.files[0]!.path : ".");
  });
}

export async function readSandboxPath(options: { userId: string; sbxId: string; path: string }) {
  const { handle } = await getSandboxOrThrow(options.userId, options.sbxId);
  const at = sandboxPath(options.path);
  try {
    const entries = await handle.listFiles(at);
    return { path: at, type: "directory" as const, entries };
  } catch (error) {
    const known = workspaceError(error, options.path);
    if (!(known instanceof KilnError) || known.code !== "NOT_FOUND") throw known;
  }
  const content = await handle.readFile(at).catch((error: unknown) => {
    throw workspaceError(error, options.path);
  });
  return { path: at, type: "file" as const, content };
}
