import "server-only";
import { KilnError } from "@/lib/errors";
import { getSandboxOrThrow } from "./open-sandbox";
import { sandboxPath } from "./workspace";

// The files API of a sandbox: paths are checked by the provider (workspace.ts locally), and a
// path is read as a file or listed as a directory, whichever it is.

export async function writeSandboxFiles(options: {
  userId: string;
  sbxId: string;
  files: { path: string; content: string }[];
}): Promise<string[]> {
  const { handle } = await getSandboxOrThrow(options.userId, options.sbxId);
  return handle.writeFiles(options.files);
}

export async function readSandboxPath(options: { userId: string; sbxId: string; path: string }) {
  const { handle } = await getSandboxOrThrow(options.userId, options.sbxId);
  const at = sandboxPath(options.path);
  try {
    const entries = await handle.listFiles(at);
    return { path: at, type: "directory" as const, entries };
  } catch (error) {
    if (!(error instanceof KilnError) || error.code !== "NOT_FOUND") throw error;
  }
  const content = await handle.readFile(at);
  return { path: at, type: "file" as const, content };
}
